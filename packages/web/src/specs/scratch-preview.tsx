import { useParams } from "react-router";
import { SpecReview } from "./spec-review.js";
export function ScratchPreview() {
  const { id } = useParams();
  return (
    <main style={{ padding: "1rem" }}>
      <SpecReview taskId={id ?? ""} canControl />
    </main>
  );
}
