// Placeholder: the admin's routes and navigation (filled in by the admin work).
import type { RouteObject } from 'react-router';
import type { NavItem } from '../nav';

export const adminRoutes: RouteObject[] = [];
export const adminNav: NavItem[] = [];
