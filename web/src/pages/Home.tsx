import { Page, Empty } from '../components/ui.tsx';

export function HomePage() {
  return (
    <Page title="Home">
      <Empty>No devices yet.</Empty>
    </Page>
  );
}
