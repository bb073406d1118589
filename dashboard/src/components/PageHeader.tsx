import { Group, Title } from "@mantine/core";
import type { ReactNode } from "react";

export function PageHeader({ title, children }: { title: ReactNode; children?: ReactNode }) {
  return (
    <Group justify="space-between" align="center" className="page-header" wrap="wrap">
      <Title order={1} size="h2">{title}</Title>
      {children && <Group gap="xs">{children}</Group>}
    </Group>
  );
}
