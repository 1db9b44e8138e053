#include "cmd/commands.h"
#include "verify/verify_flow.h"

namespace unmine {

void add_verify(CLI::App& app, Context& ctx) {
  auto* sub = app.add_subcommand("verify",
                                 "re-check the host against the case: is the miner, its pool, persistence or "
                                 "tuning back, are the blocks in force (72-hour monitoring)");
  auto o = std::make_shared<VerifyOptions>();
  sub->add_flag("--watch", o->watch, "repeat the check in the foreground (--every, --for)");
  sub->add_option("--every", o->every, "interval between checks (30s, 10m, 1h; default 1h)");
  sub->add_option("--for", o->window, "monitoring window (default 72h)");
  sub->add_flag("--until-found", o->until_found, "with --watch: stop at the first check that finds something");
  sub->add_flag("--schedule", o->schedule,
                "install the recurring check on the host (systemd timer or cron.d; needs --apply)");
  sub->add_flag("--unschedule", o->unschedule, "remove the recurring check now (needs --apply)");
  sub->add_option("--scheduler", o->scheduler,
                  "with --schedule: auto (systemd when it is PID 1, else cron), systemd, cron")
      ->check(CLI::IsMember({"auto", "systemd", "cron"}));
  sub->add_option(
      "--expire-after", o->expire_after,
      "ISO 8601 UTC end of the window: past it, remove the schedule instead of checking (set by --schedule)");
  sub->callback([&ctx, o] {
    // Playbook steps: one check is "verify"; the 72-hour monitoring is "verify.watch" / "verify.schedule".
    ctx.step = o->schedule     ? "verify.schedule"
               : o->unschedule ? "verify.unschedule"
               : o->watch      ? "verify.watch"
                               : "verify";
    ctx.run = [&ctx, o] {
      o->apply = ctx.opt.apply;
      VerifyStep step;
      auto code =
          run_verify({ctx.host(), ctx.playbook(), ctx.case_store(), ctx.effects(), ctx.tools(), ctx.out()}, *o, step);
      ctx.outcome = step.outcome;
      ctx.step_status = step.status;
      return code;
    };
  });
}

}  // namespace unmine
