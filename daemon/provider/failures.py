"""The exception a failed step raises: its result as data, its message in English."""
from daemon.provider.step_text import describe
from daemon.provider.steps import Step, StepResult


class StepFailed(Exception):
    def __init__(self, result: StepResult) -> None:
        super().__init__(describe(result))
        self.result = result

    @property
    def step(self) -> Step:
        return self.result.step
