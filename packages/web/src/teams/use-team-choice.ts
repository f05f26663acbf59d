import type { Team } from "@strand/protocol";
import { useQuery } from "@tanstack/react-query";
import { useCallback, useEffect, useSyncExternalStore } from "react";
import { useSearchParams } from "react-router";
import { api } from "../api/client.js";
import { queryKeys } from "../api/query-keys.js";
import { resolveChoice, storedValue, type TeamChoice, teamOf, teamParam } from "./team-choice.js";

const STORAGE_KEY = "strand.team";
const listeners = new Set<() => void>();

function readStored(): string | null {
  try {
    return localStorage.getItem(STORAGE_KEY);
  } catch {
    // Storage can be off (private modes, policies): the choice then lasts as long as the page.
    return memoryValue;
  }
}
let memoryValue: string | null = null;

function writeStored(value: string): void {
  if (readStored() === value) return;
  memoryValue = value;
  try {
    localStorage.setItem(STORAGE_KEY, value);
  } catch {
    // See readStored.
  }
  for (const l of listeners) l();
}

const subscribe = (l: () => void) => {
  listeners.add(l);
  // Another tab switching team changes this one's default too.
  const onStorage = (e: StorageEvent) => e.key === STORAGE_KEY && l();
  window.addEventListener("storage", onStorage);
  return () => {
    listeners.delete(l);
    window.removeEventListener("storage", onStorage);
  };
};

export interface TeamChoiceState {
  choice: TeamChoice;
  /** The chosen team, once the user's teams are loaded (undefined for all and personal). */
  team: Team | undefined;
  teams: Team[] | undefined;
  /** A team was chosen by slug but the user is not in it (a shared link, or they left). */
  unknownTeam: boolean;
  setChoice(choice: TeamChoice): void;
}

/**
 * The team switcher's choice: `?team=` on the page's URL (so links are shareable), else the one
 * stored from the last visit. `reflect` (pages the choice filters) writes a stored choice into
 * the URL, so what is on screen is what a copied link shows.
 */
export function useTeamChoice({ reflect = false }: { reflect?: boolean } = {}): TeamChoiceState {
  const [params, setParams] = useSearchParams();
  const stored = useSyncExternalStore(subscribe, readStored, () => null);
  const urlValue = params.get("team");
  const choice = resolveChoice(urlValue, stored);
  const teams = useQuery({ queryKey: queryKeys.teams, queryFn: api.listTeams });
  const items = teams.data?.items;

  useEffect(() => {
    if (urlValue !== null) writeStored(storedValue(resolveChoice(urlValue, null)));
  }, [urlValue]);
  const wanted = teamParam(choice);
  useEffect(() => {
    if (!reflect || urlValue !== null || wanted === undefined) return;
    setParams(
      (p) => {
        p.set("team", wanted);
        return p;
      },
      { replace: true },
    );
  }, [reflect, urlValue, wanted, setParams]);

  const setChoice = useCallback(
    (next: TeamChoice) => {
      writeStored(storedValue(next));
      // Only where a `?team=` is (or should be) on the URL: elsewhere the choice is the default for later.
      if (!reflect && params.get("team") === null) return;
      setParams(
        (p) => {
          const v = teamParam(next);
          if (v === undefined) p.delete("team");
          else p.set("team", v);
          return p;
        },
        { replace: false },
      );
    },
    [reflect, params, setParams],
  );

  return {
    choice,
    team: teamOf(choice, items),
    teams: items,
    unknownTeam: choice.kind === "team" && items !== undefined && teamOf(choice, items) === undefined,
    setChoice,
  };
}
