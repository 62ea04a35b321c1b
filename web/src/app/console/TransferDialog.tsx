// Transfer to another queue, or (supervisors) reassign to a specific agent.
import { useState } from 'react';
import {
  Alert, Autocomplete, Button, Dialog, DialogActions, DialogContent, DialogTitle, FormControl, FormControlLabel,
  FormLabel, MenuItem, Radio, RadioGroup, Stack, TextField,
} from '@mui/material';
import { errorText } from '../api';
import { useEscalationsQuery, useQueuesQuery, useStaffQuery, useTransferMutation } from './api';
import { PRIORITIES, type Conversation, type Priority } from './types';
import { humanize } from './util';

const QUEUE_RE = /^[A-Za-z0-9_-]{1,64}$/;

export function TransferDialog({ open, onClose, conversation, supervisor, me, onDone }: {
  open: boolean; onClose: () => void; conversation: Conversation; supervisor: boolean; me: string | null;
  onDone: (text: string) => void;
}) {
  const queues = useQueuesQuery(undefined, { skip: !open });
  const escalations = useEscalationsQuery(undefined, { skip: !open || !supervisor });
  const [transfer, state] = useTransferMutation();
  const [target, setTarget] = useState<'queue' | 'agent'>('queue');
  const staff = useStaffQuery(undefined, { skip: !open || !supervisor || target !== 'agent' });
  const [queue, setQueue] = useState('');
  const [agent, setAgent] = useState('');
  const [priority, setPriority] = useState<Priority | ''>('');
  const [error, setError] = useState<string | null>(null);

  const queueOptions = [...new Set([...(queues.data ?? []).map((q) => q.queue), ...(conversation.queue ? [conversation.queue] : [])])].sort();
  const names = new Map((staff.data ?? []).map((u) => [u.id, u.display_name || u.email || u.id]));
  const agentOptions = [...new Set([
    ...(staff.data ?? []).map((u) => u.id),
    ...(escalations.data ?? []).map((e) => e.assignee_id).filter((x): x is string => !!x),
    ...(me ? [me] : []),
  ])];
  const agentLabel = (id: string) => `${names.get(id) ?? id}${id === me ? ' (you)' : ''}`;

  const chosenQueue = target === 'queue' ? queue.trim() : queue.trim() || conversation.queue || '';
  const valid = QUEUE_RE.test(chosenQueue) && (target === 'queue' || agent.trim() !== '');

  const submit = async () => {
    setError(null);
    try {
      await transfer({
        id: conversation.id,
        queue: chosenQueue,
        ...(priority ? { priority } : {}),
        ...(target === 'agent' ? { assignee_id: agent.trim() } : {}),
      }).unwrap();
      onDone(target === 'agent' ? `Reassigned to ${agentLabel(agent.trim())}` : `Transferred to ${humanize(chosenQueue)}`);
      onClose();
    } catch (e) {
      setError(errorText(e));
    }
  };

  return (
    <Dialog open={open} onClose={onClose} aria-labelledby="transfer-title" fullWidth maxWidth="sm">
      <DialogTitle id="transfer-title">Transfer conversation</DialogTitle>
      <DialogContent>
        <Stack spacing={2} sx={{ mt: 1 }}>
          {supervisor && (
            <FormControl>
              <FormLabel id="transfer-target">Transfer to</FormLabel>
              <RadioGroup row aria-labelledby="transfer-target" value={target} onChange={(e) => setTarget(e.target.value as 'queue' | 'agent')}>
                <FormControlLabel value="queue" control={<Radio />} label="A queue" />
                <FormControlLabel value="agent" control={<Radio />} label="A specific agent" />
              </RadioGroup>
            </FormControl>
          )}
          {target === 'agent' && (
            <Autocomplete freeSolo options={agentOptions} inputValue={agent} onInputChange={(_e, v) => setAgent(v)}
              renderOption={(props, o) => <li {...props} key={o}>{agentLabel(o)}</li>}
              renderInput={(p) => (
                <TextField {...p} label="Agent" required
                  helperText={names.has(agent.trim()) ? agentLabel(agent.trim()) : staff.data?.length ? 'Choose an agent' : "The agent's user id"} />
              )} />
          )}
          <Autocomplete freeSolo options={queueOptions} inputValue={queue} onInputChange={(_e, v) => setQueue(v)}
            getOptionLabel={(o) => o}
            renderInput={(p) => (
              <TextField {...p} label="Queue" required={target === 'queue'}
                error={queue.trim() !== '' && !QUEUE_RE.test(queue.trim())}
                helperText={target === 'agent' ? `Default: the current queue (${conversation.queue ?? 'none'})` : 'Letters, digits, _ or -'} />
            )} />
          <TextField select label="Priority" value={priority} onChange={(e) => setPriority(e.target.value as Priority | '')}>
            <MenuItem value="">Keep {conversation.priority ?? 'current'}</MenuItem>
            {PRIORITIES.map((p) => <MenuItem key={p} value={p}>{humanize(p)}</MenuItem>)}
          </TextField>
          {error && <Alert severity="error">{error}</Alert>}
        </Stack>
      </DialogContent>
      <DialogActions>
        <Button onClick={onClose}>Cancel</Button>
        <Button variant="contained" onClick={() => void submit()} disabled={!valid || state.isLoading}>Transfer</Button>
      </DialogActions>
    </Dialog>
  );
}
