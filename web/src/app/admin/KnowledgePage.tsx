import { PageHeader } from './common';

export function KnowledgePage() {
  return <PageHeader title="KnowledgePage" />;
}
