import { TEAM_ROLE_VALUES, type Team, type TeamMember, type TeamRoleName } from "@strand/protocol";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { Link, useNavigate, useParams } from "react-router";
import { api } from "../api/client.js";
import { queryKeys } from "../api/query-keys.js";
import { McpServersPanel } from "../mcp-servers/mcp-servers-panel.js";
import { ConfirmButton } from "../ui/confirm-button.js";
import { Field } from "../ui/field.js";
import { formErrors, NO_ERRORS } from "../ui/field-errors.js";
import { canManage } from "./team-choice.js";

const ROLE_HELP: Record<TeamRoleName, string> = {
  owner: "everything, including owners and deleting the team",
  admin: "members, providers and settings",
  member: "works in the team: creates, chats, takes over, merges",
  viewer: "watches only",
};

/** A team's members and their roles; owners and admins add, change and remove them. */
export function TeamPage() {
  const { slug = "" } = useParams();
  const teams = useQuery({ queryKey: queryKeys.teams, queryFn: api.listTeams });
  if (teams.isPending) return <p className="page-status">Loading team…</p>;
  if (teams.error) return <p className="page-status error">{teams.error.message}</p>;
  const team = teams.data.items.find((t) => t.slug === slug);
  if (!team) {
    return (
      <p className="page-status error" data-testid="team-missing">
        You are not a member of a team "{slug}". <Link to="/teams">Your teams</Link>
      </p>
    );
  }
  return <TeamMembers team={team} />;
}

function TeamMembers({ team }: { team: Team }) {
  const client = useQueryClient();
  const me = useQuery({ queryKey: queryKeys.me, queryFn: api.me }).data;
  const members = useQuery({ queryKey: queryKeys.members(team.id), queryFn: () => api.listMembers(team.id) });
  const manager = canManage(team.role);
  const refresh = () => client.invalidateQueries({ queryKey: queryKeys.teams });
  return (
    <section className="page" data-testid="team-page" data-role={team.role}>
      <header className="page-header">
        <Link to="/teams" className="back" aria-label="All teams">
          ←
        </Link>
        <h1>{team.name}</h1>
        <span className="muted" data-testid="team-my-role">
          your role: {team.role}
        </span>
        <span className="spacer" />
        <Link to={`/?team=${team.slug}`}>Sessions</Link>
        <Link to={`/projects?team=${team.slug}`}>Projects</Link>
        <Link to={`/teams/${team.slug}/knowledge`} data-testid="team-knowledge-link">
          Knowledge
        </Link>
      </header>
      <div className="panel">
        <h2>Members</h2>
        {manager && <AddMember team={team} onAdded={refresh} />}
        {members.error && <p className="error">{members.error.message}</p>}
        <table className="table" data-testid="member-list">
          <thead>
            <tr>
              <th>Email</th>
              <th>Name</th>
              <th>Role</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {(members.data?.items ?? []).map((m) => (
              <MemberRow key={m.user_id} team={team} member={m} isMe={m.user_id === me?.id} onChanged={refresh} />
            ))}
          </tbody>
        </table>
      </div>
      <McpServersPanel owner={{ team_id: team.id }} canManage={team.role !== "viewer"} />
    </section>
  );
}

function AddMember({ team, onAdded }: { team: Team; onAdded: () => void }) {
  const [email, setEmail] = useState("");
  const [role, setRole] = useState<TeamRoleName>("member");
  const add = useMutation({
    mutationFn: () => api.addMember(team.id, { email, role }),
    onSuccess: () => {
      setEmail("");
      onAdded();
    },
  });
  const errors = add.error ? formErrors(add.error, ["email", "role"]) : NO_ERRORS;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    add.mutate();
  };
  // Only owners make owners; an admin is not offered what the API would refuse.
  const roles = TEAM_ROLE_VALUES.filter((r) => r !== "owner" || team.role === "owner");
  return (
    <>
      <form className="form inline-form" onSubmit={submit} noValidate data-testid="add-member-form">
        <Field label="Add by email" name="email" error={errors.fields.email} hint="An existing Strand user.">
          {(p) => (
            <input
              {...p}
              type="email"
              value={email}
              onChange={(e) => setEmail(e.target.value)}
              placeholder="ada@example.com"
            />
          )}
        </Field>
        <Field label="Role" name="role" error={errors.fields.role} hint={ROLE_HELP[role]}>
          {(p) => (
            <select {...p} value={role} onChange={(e) => setRole(e.target.value as TeamRoleName)}>
              {roles.map((r) => (
                <option key={r} value={r}>
                  {r}
                </option>
              ))}
            </select>
          )}
        </Field>
        <button type="submit" className="primary" disabled={add.isPending}>
          Add member
        </button>
      </form>
      {errors.form && (
        <p className="error" role="alert" data-testid="add-member-error">
          {errors.form}
        </p>
      )}
    </>
  );
}

function MemberRow({
  team,
  member: m,
  isMe,
  onChanged,
}: {
  team: Team;
  member: TeamMember;
  isMe: boolean;
  onChanged: () => void;
}) {
  const client = useQueryClient();
  const navigate = useNavigate();
  const setRole = useMutation({
    mutationFn: (role: TeamRoleName) => api.setMemberRole(team.id, m.user_id, role),
    onSuccess: onChanged,
  });
  const remove = useMutation({
    mutationFn: () => api.removeMember(team.id, m.user_id),
    onSuccess: () => {
      onChanged();
      if (isMe) {
        // Gone from the team: its sessions and projects go from what this page may show.
        void client.invalidateQueries({ queryKey: queryKeys.projects });
        navigate("/teams");
      }
    },
  });
  const mine = team.role;
  // What the API allows: managers change roles, only owners touch owners; anyone may leave.
  const canChange = canManage(mine) && (m.role !== "owner" || mine === "owner");
  const canRemove = isMe || canChange;
  const roles = TEAM_ROLE_VALUES.filter((r) => r !== "owner" || mine === "owner");
  const error = setRole.error ?? remove.error;
  return (
    <tr data-testid="member-row" data-email={m.email} data-role={m.role}>
      <td>
        {m.email}
        {isMe && <span className="muted"> (you)</span>}
      </td>
      <td>{m.name}</td>
      <td>
        {canChange ? (
          <select
            aria-label={`Role of ${m.email}`}
            data-testid="member-role"
            value={m.role}
            disabled={setRole.isPending}
            onChange={(e) => setRole.mutate(e.target.value as TeamRoleName)}
          >
            {roles.map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
        ) : (
          <span data-testid="member-role-text">{m.role}</span>
        )}
        {error && (
          <p className="error" role="alert" data-testid="member-error">
            {error.message}
          </p>
        )}
      </td>
      <td>
        {canRemove && (
          <ConfirmButton
            label={isMe ? "Leave" : "Remove"}
            confirmLabel={isMe ? "Leave the team" : `Remove ${m.email}`}
            onConfirm={() => remove.mutate()}
            disabled={remove.isPending}
          />
        )}
      </td>
    </tr>
  );
}
