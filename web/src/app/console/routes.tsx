// The agent console's routes and navigation.
import type { RouteObject } from 'react-router';
import ForumIcon from '@mui/icons-material/Forum';
import type { NavItem } from '../nav';
import { QueuesPage } from './QueuesPage';
import { ConversationsPage } from './ConversationsPage';
import { ConversationView } from './ConversationView';
import { QueuesNavIcon } from './StaffEvents';

export const consoleRoutes: RouteObject[] = [
  { path: 'queues', element: <QueuesPage /> },
  { path: 'conversations', element: <ConversationsPage /> },
  { path: 'conversations/:id', element: <ConversationView /> },
];

export const consoleNav: NavItem[] = [
  // The Queues icon also carries the staff realtime (escalation notifications) for the whole app.
  { to: 'queues', label: 'Queues', icon: <QueuesNavIcon /> },
  { to: 'conversations', label: 'Conversations', icon: <ForumIcon /> },
];
