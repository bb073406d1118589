import { Text, Title } from "@mantine/core";
import { Link } from "react-router";

export default function NotFoundPage() {
  return (
    <section>
      <Title order={1} size="h2">No such page</Title>
      <Text>Go back to the <Link to="/">runs</Link>.</Text>
    </section>
  );
}
