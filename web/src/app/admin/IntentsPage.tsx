import { PageHeader } from './common';

export function IntentsPage() {
  return <PageHeader title="IntentsPage" />;
}
