"""StateActor: a state whose levers act on the corridor.

* ``transit`` (Belarus): issues visas (read by carriers), moves people from Minsk to
  the border and steers them to the border it chooses, presses them to cross, blocks
  their way back, and may open a camp near the border (for example Bruzgi).
* ``origin`` (for example the eastern Libyan administration): multiplies demand at its
  origins by its ``exit_facilitation``.
* ``gateway`` (Russia): lets people in at a gateway place (Moscow) on the visa types it issues,
  moves most of them overland into Belarus without a border check (``transit_facilitation``,
  ``transit_days``), and may steer those who came through it (its ``steer`` multiplies Belarus's).
* ``eu``: acts through dated events (flight bans, sanctions) on carriers.

An actor's role is fixed for the run (an event cannot change it).
"""

from __future__ import annotations

import mesa
import numpy as np

from sim.model.agents import migrant as rules
from sim.model.population import JourneyState as S


class StateActor(mesa.Agent):
    """A state actor; its levers are read from ``model.config.state_actors[actor_id]`` each day."""

    def __init__(self, model, actor_id: str) -> None:
        super().__init__(model)
        self.actor_id = actor_id

    @property
    def spec(self):
        """This actor's block of the live scenario."""
        return self.model.config.state_actors[self.actor_id]

    @property
    def role(self) -> str:
        """``transit``, ``origin``, ``gateway`` or ``eu``."""
        return self.spec.role

    def demand_multiplier(self, origin_id: str) -> float:
        """Factor on demand at ``origin_id`` (1 if this actor does not act there)."""
        if self.role == "origin" and origin_id in self.spec.origins:
            return self.spec.exit_facilitation
        return 1.0

    def step(self) -> None:
        """Transit states move today's leavers from Minsk to the border."""
        if self.role == "transit":
            self.transport_to_border()

    def transport_to_border(self) -> None:
        """Drive a share ``facilitation`` of today's leavers to the border, free of charge.

        At most ``transport_per_day`` people a day; the segment is chosen with Belarus's steering.
        """
        m, pop = self.model, self.model.population
        leaving = m.today.leaving_minsk
        if leaving.size == 0 or self.spec.facilitation <= 0:
            return
        offered = leaving[m.rng.random(leaving.size) < self.spec.facilitation]
        capacity = int(self.spec.transport_per_day * m.config.scale)
        taken = offered[np.cumsum(pop.size[offered]) <= capacity]
        if taken.size == 0:
            return
        rules.send_to_border(m, taken, steered=True)
        m.today.leaving_minsk = leaving[pop.state[leaving] == S.IN_MINSK]
