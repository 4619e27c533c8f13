"""Why a server stopped: the cause of an instance restart, from what preceded the stop."""

from __future__ import annotations

from telemetry.logs.aggregate.boots import (
    CAUSE_BOOT,
    CAUSE_CRASH,
    CAUSE_DEPLOY,
    CAUSE_HEALTH,
    CAUSE_INTERRUPT,
    CAUSE_OOM,
    CAUSE_PLATFORM,
    Boot,
    Mark,
)

DEPLOY_WINDOW_S = 30 * 60  # a stop signal this soon after a deploy started is that deploy's
HEALTH_WINDOW_S = 10 * 60  # failed health checks this soon before a stop caused it


def _after(later: Mark, earlier: Mark) -> bool:
    """Order by time when both lines have one (inputs may be several files), else by input."""
    if later.ts is not None and earlier.ts is not None:
        return later.ts >= earlier.ts
    return later.seq > earlier.seq


def _deploy_stopped(boot: Boot, deploy: Mark, signal: Mark) -> bool:
    """A deploy stops the boot that was running when it began (Render starts the new server
    first, then sends SIGTERM to the old one); a deploy before the boot started it."""
    if not (_after(deploy, boot.started) and _after(signal, deploy)):
        return False
    if deploy.ts is not None and signal.ts is not None:
        return signal.ts - deploy.ts <= DEPLOY_WINDOW_S
    return True


def stop_cause(
    boot: Boot,
    mark: Mark,
    exit_code: str | None,
    no_shutdown: bool,
    deploys: list[tuple[Mark, str | None]],
    health: list[Mark],
) -> tuple[str, str | None, list[str]]:
    """``(cause, detail, evidence locations)`` for a boot that ended at ``mark``."""
    if boot.boot_failure is not None:
        reason, where = boot.boot_failure
        return CAUSE_BOOT, reason, [where.loc]
    signal_mark = boot.stop_signal[1] if boot.stop_signal else mark
    failed = [
        h
        for h in health
        if _after(h, boot.started)
        and _after(signal_mark, h)
        and (h.ts is None or signal_mark.ts is None or signal_mark.ts - h.ts <= HEALTH_WINDOW_S)
    ]
    if failed:
        return CAUSE_HEALTH, f"{len(failed)} failed health check(s)", [h.loc for h in failed[-3:]]
    if boot.stop_signal is not None:
        name, where = boot.stop_signal
        for deploy, commit in reversed(deploys):
            if _deploy_stopped(boot, deploy, where):
                detail = f"commit {commit}" if commit else None
                return CAUSE_DEPLOY, detail, [deploy.loc, where.loc]
        # Ctrl-C, or gunicorn's quick shutdown
        if name.removeprefix("sig").startswith(("int", "quit")):
            return CAUSE_INTERRUPT, f"signal {name}", [where.loc]
        return CAUSE_PLATFORM, f"signal {name}", [where.loc]
    if boot.oom_hint is not None or exit_code == "137":
        evidence = [boot.oom_hint.loc] if boot.oom_hint else []
        return CAUSE_OOM, f"exit code {exit_code}" if exit_code else None, evidence
    if exit_code is not None and exit_code != "0" and boot.live is None and not boot.workers:
        return CAUSE_BOOT, f"exited with code {exit_code} before serving", []
    if no_shutdown and exit_code is None:
        return CAUSE_CRASH, "next boot began without a stop", []
    return CAUSE_CRASH, f"exit code {exit_code}" if exit_code else None, []
