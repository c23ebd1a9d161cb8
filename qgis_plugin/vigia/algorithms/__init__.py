"""The vigia Processing algorithms, one per vigia command (see provider.py)."""
from .area import CorridorAlgorithm, LinkAlgorithm
from .check import CheckAlgorithm
from .plan import PlanAlgorithm, PlanFromLayersAlgorithm
from .points import RouteAlgorithm, SelectAlgorithm
from .terrain import CoverageAlgorithm, ViewshedAlgorithm

#: Every algorithm class, in the order the toolbox lists them within their groups.
ALGORITHMS = [PlanAlgorithm, PlanFromLayersAlgorithm, ViewshedAlgorithm, CoverageAlgorithm,
              CorridorAlgorithm, LinkAlgorithm, SelectAlgorithm, RouteAlgorithm, CheckAlgorithm]
