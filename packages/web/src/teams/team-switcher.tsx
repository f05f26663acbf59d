import { parseTeamParam, storedValue } from "./team-choice.js";
import { useTeamChoice } from "./use-team-choice.js";

/**
 * The top bar's team choice: everything, personal, or one of your teams. It filters the fleet and
 * the projects list and is the default owner of what you create next.
 */
export function TeamSwitcher() {
  const { choice, teams, unknownTeam, setChoice } = useTeamChoice();
  const value = storedValue(choice);
  return (
    <select
      className="team-switcher"
      aria-label="Team"
      data-testid="team-switcher"
      value={value}
      onChange={(e) => setChoice(parseTeamParam(e.target.value) ?? { kind: "all" })}
    >
      <option value="~all">All teams</option>
      <option value="~personal">Personal</option>
      {(teams ?? []).map((t) => (
        <option key={t.id} value={t.slug}>
          {t.name}
          {t.role === "viewer" ? " (viewer)" : ""}
        </option>
      ))}
      {/* A shared link to a team this user is not in: shown as chosen, so the page's notice makes sense. */}
      {(unknownTeam || (choice.kind === "team" && !teams)) && <option value={value}>{value}</option>}
    </select>
  );
}
