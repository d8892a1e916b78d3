"""The transition table of a test run (core.statemachine): queued by the admin, claimed by a
worker, complete when every count is met, failed on a problem the admin must fix (MH refusing
documents, a catalogue gap), stopped by hand; a failed or stopped run is queued again to resume."""

from core.statemachine import Machine
from onboarding.models import RunState, TestRun

RUN = Machine(TestRun, {
    RunState.QUEUED: [RunState.RUNNING, RunState.FAILED, RunState.STOPPED],
    RunState.RUNNING: [RunState.COMPLETE, RunState.FAILED, RunState.STOPPED],
    RunState.FAILED: [RunState.QUEUED],
    RunState.STOPPED: [RunState.QUEUED],
})
