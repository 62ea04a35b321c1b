import { PageHeader } from './common';

export function AnalyticsPage() {
  return <PageHeader title="AnalyticsPage" />;
}
