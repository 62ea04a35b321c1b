import { PageHeader } from './common';

export function UsersPage() {
  return <PageHeader title="UsersPage" />;
}
