"""The coach's roster (cohort.yaml): the servers, the work pool and each candidate's checkout.

```yaml
mlflow: http://127.0.0.1:5000      # the shared tracking server (MLflow's basic-auth app on)
pool: prepops-cohort               # the Prefect work pool the workers poll
candidates:
  - name: alice                    # becomes PREPOPS_CANDIDATE and the MLflow user name
    checkout: /srv/cohort/alice    # a prepops clone holding her workspace, on the workers
```

The Prefect API comes from the coach's own Prefect settings (PREFECT_API_URL and
PREFECT_API_AUTH_STRING), the MLflow admin login from MLFLOW_TRACKING_USERNAME/PASSWORD.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from prepops.data.yamlsafe import load_text

NAME = r"^[a-z0-9][a-z0-9_-]{0,39}$"  # the rule PREPOPS_CANDIDATE follows


class Candidate(BaseModel):
    """One candidate: a name and where their checkout lives on the worker machines."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(pattern=NAME)
    checkout: str = Field(min_length=1)


class Roster(BaseModel):
    """The whole cohort.yaml."""

    model_config = ConfigDict(extra="forbid")
    mlflow: str = Field(pattern=r"^https?://")
    pool: str = Field(default="prepops-cohort", pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")
    candidates: list[Candidate] = Field(min_length=1)

    def names(self) -> list[str]:
        """Candidate names in roster order."""
        return [c.name for c in self.candidates]


class RosterError(ValueError):
    """cohort.yaml cannot be used; the message has one line per problem."""


def load_roster(path: Path) -> Roster:
    """The roster at `path`, validated; RosterError names each problem with file and field."""
    try:
        raw = load_text(path.read_text(encoding="utf-8"))
        roster = Roster.model_validate(raw)
    except ValidationError as exc:
        lines = [
            f"{path}: {'.'.join(str(p) for p in err['loc']) or '(top)'}: {err['msg']}"
            for err in exc.errors()
        ]
        raise RosterError("\n".join(lines)) from None
    except (OSError, ValueError, yaml.YAMLError) as exc:
        raise RosterError(f"{path}: {exc}") from None
    seen: set[str] = set()
    doubles = [n for n in roster.names() if n in seen or seen.add(n)]
    if doubles:
        raise RosterError(f"{path}: candidates: listed twice: {', '.join(sorted(set(doubles)))}")
    return roster
