import { Alert, Button, Group, Text } from "@mantine/core";
import { ApiError, messageOf } from "../api/errors";

/** An error where the user acted, in the API's words, with a retry when one makes sense. */
export function ErrorNotice({ error, onRetry, title = "That did not work" }: {
  error: unknown; onRetry?: () => void; title?: string;
}) {
  if (!error) return null;
  const fields = error instanceof ApiError ? error.fields : [];
  return (
    <Alert color="red" title={title} role="alert" data-testid="error">
      <Text size="sm">{messageOf(error)}</Text>
      {fields.length > 0 && (
        <ul className="error-fields">
          {fields.map((f, i) => <li key={i}><strong>{f.field}</strong>: {f.message}</li>)}
        </ul>
      )}
      {onRetry && (
        <Group mt="xs">
          <Button size="xs" variant="light" color="red" onClick={onRetry}>Try again</Button>
        </Group>
      )}
    </Alert>
  );
}
