import { Link } from "react-router";

export function NotFoundPage() {
  return (
    <p className="page-status">
      Nothing here. <Link to="/">Back to your sessions</Link>.
    </p>
  );
}
