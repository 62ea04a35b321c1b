// The admin's routes and navigation (mounted by the shell under /app).
import type { RouteObject } from 'react-router';
import InsightsIcon from '@mui/icons-material/Insights';
import MenuBookIcon from '@mui/icons-material/MenuBook';
import PsychologyIcon from '@mui/icons-material/Psychology';
import RuleIcon from '@mui/icons-material/Rule';
import AccountTreeIcon from '@mui/icons-material/AccountTree';
import CableIcon from '@mui/icons-material/Cable';
import GroupIcon from '@mui/icons-material/Group';
import KeyIcon from '@mui/icons-material/Key';
import type { NavItem } from '../nav';

// Each admin screen is its own chunk, loaded when first visited: agents, who
// live in the console, never download the charts or the editors.
const page = <K extends string>(load: () => Promise<Record<K, React.ComponentType>>, name: K): RouteObject['lazy'] =>
  async () => ({ Component: (await load())[name] });

const analytics = page(() => import('./AnalyticsPage'), 'AnalyticsPage');

export const adminRoutes: RouteObject[] = [
  { path: 'admin', lazy: analytics },
  { path: 'admin/analytics', lazy: analytics },
  { path: 'admin/knowledge', lazy: page(() => import('./KnowledgePage'), 'KnowledgePage') },
  { path: 'admin/intents', lazy: page(() => import('./IntentsPage'), 'IntentsPage') },
  { path: 'admin/rules', lazy: page(() => import('./RulesPage'), 'RulesPage') },
  { path: 'admin/workflows', lazy: page(() => import('./WorkflowsPage'), 'WorkflowsPage') },
  { path: 'admin/integrations', lazy: page(() => import('./IntegrationsPage'), 'IntegrationsPage') },
  { path: 'admin/users', lazy: page(() => import('./UsersPage'), 'UsersPage') },
  { path: 'admin/api-keys', lazy: page(() => import('./ApiKeysPage'), 'ApiKeysPage') },
];

export const adminNav: NavItem[] = [
  { to: '/admin/analytics', label: 'Analytics', icon: <InsightsIcon />, roles: ['admin', 'supervisor'] },
  { to: '/admin/knowledge', label: 'Knowledge', icon: <MenuBookIcon />, roles: ['admin'] },
  { to: '/admin/intents', label: 'Intents', icon: <PsychologyIcon />, roles: ['admin'] },
  { to: '/admin/rules', label: 'Rules', icon: <RuleIcon />, roles: ['admin'] },
  { to: '/admin/workflows', label: 'Workflows', icon: <AccountTreeIcon />, roles: ['admin'] },
  { to: '/admin/integrations', label: 'Integrations', icon: <CableIcon />, roles: ['admin'] },
  { to: '/admin/users', label: 'Users & roles', icon: <GroupIcon />, roles: ['admin'] },
  { to: '/admin/api-keys', label: 'API keys', icon: <KeyIcon />, roles: ['admin'] },
];
