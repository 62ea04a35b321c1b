import { PageHeader } from './common';

export function IntegrationsPage() {
  return <PageHeader title="IntegrationsPage" />;
}
