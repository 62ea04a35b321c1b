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
import { AnalyticsPage } from './AnalyticsPage';
import { KnowledgePage } from './KnowledgePage';
import { IntentsPage } from './IntentsPage';
import { RulesPage } from './RulesPage';
import { WorkflowsPage } from './WorkflowsPage';
import { IntegrationsPage } from './IntegrationsPage';
import { UsersPage } from './UsersPage';
import { ApiKeysPage } from './ApiKeysPage';

export const adminRoutes: RouteObject[] = [
  { path: 'admin', element: <AnalyticsPage /> },
  { path: 'admin/analytics', element: <AnalyticsPage /> },
  { path: 'admin/knowledge', element: <KnowledgePage /> },
  { path: 'admin/intents', element: <IntentsPage /> },
  { path: 'admin/rules', element: <RulesPage /> },
  { path: 'admin/workflows', element: <WorkflowsPage /> },
  { path: 'admin/integrations', element: <IntegrationsPage /> },
  { path: 'admin/users', element: <UsersPage /> },
  { path: 'admin/api-keys', element: <ApiKeysPage /> },
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
