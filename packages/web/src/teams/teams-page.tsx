import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { Link, useNavigate } from "react-router";
import { api } from "../api/client.js";
import { queryKeys } from "../api/query-keys.js";
import { Field } from "../ui/field.js";
import { formErrors, NO_ERRORS } from "../ui/field-errors.js";

/** Your teams with your role in each, and a form to create one (you become its owner). */
export function TeamsPage() {
  const client = useQueryClient();
  const navigate = useNavigate();
  const teams = useQuery({ queryKey: queryKeys.teams, queryFn: api.listTeams });
  const [name, setName] = useState("");
  const create = useMutation({
    mutationFn: () => api.createTeam({ name }),
    onSuccess: (t) => {
      void client.invalidateQueries({ queryKey: queryKeys.teams });
      navigate(`/teams/${t.slug}`);
    },
  });
  const errors = create.error ? formErrors(create.error, ["name"]) : NO_ERRORS;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate();
  };
  const items = teams.data?.items ?? [];
  return (
    <section className="page" data-testid="teams-page">
      <header className="page-header">
        <h1>Teams</h1>
      </header>
      <div className="panel">
        <form className="form inline-form" onSubmit={submit} noValidate data-testid="team-form">
          <Field label="New team" name="name" error={errors.fields.name} hint="You become its owner.">
            {(p) => <input {...p} value={name} onChange={(e) => setName(e.target.value)} placeholder="e.g. Platform" />}
          </Field>
          <span />
          <button type="submit" className="primary" disabled={create.isPending}>
            Create team
          </button>
        </form>
        {errors.form && (
          <p className="error" role="alert">
            {errors.form}
          </p>
        )}
        {teams.error && <p className="error">{teams.error.message}</p>}
        <table className="table" data-testid="team-list">
          <thead>
            <tr>
              <th>Team</th>
              <th>Your role</th>
              <th>Members</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {teams.data && items.length === 0 && (
              <tr>
                <td colSpan={4} className="muted">
                  You are in no team yet. Create one, or ask a team's owner to add you by your email.
                </td>
              </tr>
            )}
            {items.map((t) => (
              <tr key={t.id} data-testid="team-row" data-team-slug={t.slug}>
                <td>
                  <Link to={`/teams/${t.slug}`}>{t.name}</Link>
                </td>
                <td>{t.role}</td>
                <td>{t.member_count}</td>
                <td className="row-links">
                  <Link to={`/?team=${t.slug}`}>Sessions</Link> · <Link to={`/projects?team=${t.slug}`}>Projects</Link>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
