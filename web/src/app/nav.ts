import type { ReactNode } from 'react';
import type { Role } from './session';

export interface NavItem {
  to: string;
  label: string;
  icon: ReactNode;
  /** Who sees it (default: every staff role). */
  roles?: Role[];
}
