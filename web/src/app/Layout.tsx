import { useState } from 'react';
import { NavLink, Outlet } from 'react-router';
import {
  AppBar, Badge, Box, Divider, Drawer, IconButton, List, ListItemButton, ListItemIcon, ListItemText,
  ListSubheader, Menu, MenuItem, Snackbar, Alert, Toolbar, Typography,
} from '@mui/material';
import NotificationsIcon from '@mui/icons-material/Notifications';
import LogoutIcon from '@mui/icons-material/Logout';
import { consoleNav } from './console/routes';
import { adminNav } from './admin/routes';
import type { NavItem } from './nav';
import { signedOut } from './session';
import { markRead } from './notifications';
import { useAppDispatch, useAppSelector } from './store';

const WIDTH = 232;

function Section({ title, items }: { title: string; items: NavItem[] }) {
  const role = useAppSelector((s) => s.session.user?.role);
  const visible = items.filter((i) => !i.roles || (role && i.roles.includes(role)));
  if (visible.length === 0) return null;
  return (
    <List component="nav" aria-label={title} subheader={<ListSubheader component="div">{title}</ListSubheader>}>
      {visible.map((i) => (
        <ListItemButton key={i.to} component={NavLink} to={i.to}>
          <ListItemIcon>{i.icon}</ListItemIcon>
          <ListItemText primary={i.label} />
        </ListItemButton>
      ))}
    </List>
  );
}

export function Layout() {
  const dispatch = useAppDispatch();
  const user = useAppSelector((s) => s.session.user);
  const notices = useAppSelector((s) => s.notifications.items);
  const unread = notices.filter((n) => !n.read);
  const [anchor, setAnchor] = useState<HTMLElement | null>(null);
  const latest = unread[0];

  return (
    <Box sx={{ display: 'flex' }}>
      <AppBar position="fixed" sx={{ zIndex: (t) => t.zIndex.drawer + 1 }}>
        <Toolbar>
          <Typography variant="h6" component="div" sx={{ flexGrow: 1 }}>
            Concierge
          </Typography>
          <Typography variant="body2" sx={{ mr: 2 }}>
            {user?.email} · {user?.role}
          </Typography>
          <IconButton color="inherit" aria-label={`Notifications (${unread.length} unread)`} onClick={(e) => setAnchor(e.currentTarget)}>
            <Badge badgeContent={unread.length} color="error">
              <NotificationsIcon />
            </Badge>
          </IconButton>
          <IconButton color="inherit" aria-label="Sign out" onClick={() => dispatch(signedOut())}>
            <LogoutIcon />
          </IconButton>
        </Toolbar>
      </AppBar>
      <Menu anchorEl={anchor} open={anchor !== null} onClose={() => { setAnchor(null); dispatch(markRead(undefined)); }}>
        {notices.length === 0 && <MenuItem disabled>No notifications</MenuItem>}
        {notices.slice(0, 10).map((n) => (
          <MenuItem key={n.id} component={n.link ? NavLink : 'li'} {...(n.link ? { to: n.link } : {})} onClick={() => setAnchor(null)}>
            {n.text}
          </MenuItem>
        ))}
      </Menu>
      <Drawer variant="permanent" sx={{ width: WIDTH, flexShrink: 0, '& .MuiDrawer-paper': { width: WIDTH, boxSizing: 'border-box' } }}>
        <Toolbar />
        <Section title="Console" items={consoleNav} />
        <Divider />
        <Section title="Admin" items={adminNav} />
      </Drawer>
      <Box component="main" sx={{ flexGrow: 1, p: 3, minWidth: 0 }}>
        <Toolbar />
        <Outlet />
      </Box>
      <Snackbar open={latest !== undefined} autoHideDuration={6000} onClose={() => latest && dispatch(markRead(latest.id))}
        anchorOrigin={{ vertical: 'bottom', horizontal: 'right' }}>
        <Alert severity={latest?.severity ?? 'info'} onClose={() => latest && dispatch(markRead(latest.id))} role="status">
          {latest?.text}
        </Alert>
      </Snackbar>
    </Box>
  );
}
