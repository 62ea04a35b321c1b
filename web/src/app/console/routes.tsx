// Placeholder: the agent console's routes and navigation (filled in by the console work).
import type { RouteObject } from 'react-router';
import type { NavItem } from '../nav';

export const consoleRoutes: RouteObject[] = [];
export const consoleNav: NavItem[] = [];
