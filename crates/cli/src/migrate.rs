//! `ferry migrate --plan plan.toml`: a snapshot-based migration in phases — one full phase,
//! incremental phases as often as wanted while the source stays live, and a final cutover with
//! the source's writes blocked. Each phase: snapshot on the source → repository copy (when the
//! two clusters use different stores) → restore on the target (incremental ones close, restore
//! over and reopen) → verify. A state file beside the plan records every finished step, so a
//! killed run resumes where it stopped; `ferry migrate status` says where things stand;
//! `--dry-run` prints every request that would change something, and changes nothing.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use clap::{Args, Subcommand};
use cluster::Client;
use orchestrate::api::{CreateSnapshot, Recorded, Recorder, RepositoryDef, Restore, SnapshotState};
use orchestrate::flow::{self, Polling};
use orchestrate::verify::{self, Depth, IndexReport};
use orchestrate::Api;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use crate::output::{self, Format};
use crate::rename::Renamer;
use crate::UsageError;

/// Exit code when the cutover's verification found a difference (the state keeps the phase open).
pub const EXIT_DIFFERENT: u8 = 3;

#[derive(Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct MigrateArgs {
    #[command(subcommand)]
    command: Option<MigrateCommand>,
    #[command(flatten)]
    run: RunArgs,
}

#[derive(Subcommand)]
enum MigrateCommand {
    /// Where a migration stands: its phases, their snapshots and steps, and what comes next.
    Status(StatusArgs),
}

#[derive(Args)]
struct RunArgs {
    /// The migration plan (TOML; see `ferry migrate --help`).
    #[arg(long, value_name = "FILE", required = true)]
    plan: Option<PathBuf>,
    /// Run the final cutover: block writes on the source indices, take the last snapshot,
    /// restore it, verify strictly and switch the aliases.
    #[arg(long)]
    cutover: bool,
    /// Print every request that would change a cluster (and the copy that would run); change nothing.
    #[arg(long, short = 'n')]
    dry_run: bool,
    /// State file. Default: the plan's path with `.state.json` appended.
    #[arg(long, value_name = "FILE")]
    state: Option<PathBuf>,
    #[command(flatten)]
    poll: crate::snapshots::PollArgs,
    #[command(flatten)]
    report: output::ReportArgs,
}

#[derive(Args)]
struct StatusArgs {
    #[arg(long, value_name = "FILE")]
    plan: PathBuf,
    #[arg(long, value_name = "FILE")]
    state: Option<PathBuf>,
    #[arg(long, short = 'o', value_enum, default_value_t = Format::Text)]
    output: Format,
}

// ---------------------------------------------------------------------------------------------
// The plan.

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Plan {
    /// Names the snapshots: `<name>-<n>-<full|incremental|cutover>`.
    name: String,
    /// Source indices (patterns; a leading `-` excludes). Default: every index not starting with `.`.
    #[serde(default)]
    indices: Vec<String>,
    source: Side,
    target: Side,
    copy: Option<CopyPlan>,
    #[serde(default)]
    restore: RestorePlan,
    #[serde(default)]
    verify: VerifyPlan,
    #[serde(default)]
    cutover: CutoverPlan,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Side {
    /// http(s)://[user[:password]@]host:port
    url: String,
    /// Name of an environment variable holding the password (keeps it out of the plan file).
    password_env: Option<String>,
    #[serde(default)]
    aws_sigv4: bool,
    region: Option<String>,
    /// SigV4: a named AWS profile (default: AWS_PROFILE).
    profile: Option<String>,
    /// `es` or `aoss`.
    service: Option<String>,
    /// The repository's name on this cluster.
    repository: String,
    /// Register the repository (if the cluster does not have it yet) with this definition.
    register: Option<RepositoryDef>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CopyPlan {
    /// The source cluster's repository, as a store URL (s3://…, oss://…, a folder).
    from: String,
    /// The target cluster's repository.
    to: String,
    transfers: Option<usize>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RestorePlan {
    rename_pattern: Option<String>,
    rename_replacement: Option<String>,
    #[serde(default)]
    index_settings: Map<String, Value>,
    #[serde(default)]
    ignore_index_settings: Vec<String>,
    #[serde(default = "yes")]
    include_aliases: bool,
    #[serde(default = "yellow")]
    wait_for: String,
}

impl Default for RestorePlan {
    fn default() -> Self {
        RestorePlan { rename_pattern: None, rename_replacement: None, index_settings: Map::new(), ignore_index_settings: Vec::new(), include_aliases: true, wait_for: yellow() }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct VerifyPlan {
    #[serde(default = "hundred")]
    sample: usize,
    #[serde(default)]
    full: bool,
}

impl Default for VerifyPlan {
    fn default() -> Self {
        VerifyPlan { sample: 100, full: false }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CutoverPlan {
    #[serde(default = "yes")]
    write_block: bool,
    /// Aliases to point at target indices once the cutover has verified.
    #[serde(default)]
    aliases: Vec<AliasSwitch>,
}

impl Default for CutoverPlan {
    fn default() -> Self {
        CutoverPlan { write_block: true, aliases: Vec::new() }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AliasSwitch {
    alias: String,
    /// Target indices the alias points to afterwards (it is removed from any other).
    indices: Vec<String>,
}

fn yes() -> bool {
    true
}
fn yellow() -> String {
    "yellow".into()
}
fn hundred() -> usize {
    100
}

impl Plan {
    pub fn load(path: &Path) -> Result<Plan> {
        let text = std::fs::read_to_string(path).with_context(|| format!("reading the plan {}", path.display()))?;
        let plan: Plan = toml::from_str(&text).map_err(|e| UsageError(format!("{}: {e}", path.display())))?;
        plan.renamer().with_context(|| format!("{}", path.display()))?;
        if !matches!(plan.restore.wait_for.as_str(), "yellow" | "green") {
            return Err(UsageError(format!("{}: [restore] wait_for must be yellow or green", path.display())).into());
        }
        if plan.name.is_empty() || plan.name.chars().any(|c| c.is_ascii_uppercase() || " ,\"*\\<|>/?#".contains(c)) {
            return Err(UsageError(format!("{}: name `{}` must be a valid snapshot name prefix (lowercase, no spaces or ,\"*\\<|>/?#)", path.display(), plan.name)).into());
        }
        Ok(plan)
    }

    fn renamer(&self) -> Result<Renamer> {
        Renamer::new(self.restore.rename_pattern.as_deref(), self.restore.rename_replacement.as_deref(), "[restore] rename_pattern")
    }
}

impl Side {
    fn connect(&self) -> Result<Client> {
        let flags = cluster::AuthFlags {
            password: match &self.password_env {
                Some(var) => Some(cluster::Secret::new(std::env::var(var).map_err(|_| UsageError(format!("password_env: the variable {var} is not set")))?)),
                None => None,
            },
            aws_sigv4: self.aws_sigv4,
            region: self.region.clone(),
            profile: self.profile.clone(),
            service: match self.service.as_deref() {
                None => None,
                Some("es") => Some(cluster::SigV4Service::Es),
                Some("aoss") => Some(cluster::SigV4Service::Aoss),
                Some(other) => return Err(UsageError(format!("service `{other}`: expected es or aoss")).into()),
            },
            ..Default::default()
        };
        Ok(Client::new(cluster::Target::parse(&self.url, &flags)?, &Default::default())?)
    }
}

// ---------------------------------------------------------------------------------------------
// The state file.

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
enum Kind {
    Full,
    Incremental,
    Cutover,
}

/// The steps of a phase, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
enum Step {
    Register,
    WriteBlock,
    Snapshot,
    Copy,
    Restore,
    Verify,
    Aliases,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Phase {
    number: u32,
    kind: Kind,
    snapshot: String,
    /// Source indices this phase covers.
    indices: Vec<String>,
    done: Vec<Step>,
    /// The snapshot was requested (a resumed phase waits for it instead of taking another).
    #[serde(default)]
    snapshot_requested: bool,
    /// A restore was sent (a resumed phase restores over what it may have left).
    #[serde(default)]
    restore_sent: bool,
    #[serde(default)]
    finished: bool,
    /// What each finished step reported.
    #[serde(default)]
    results: BTreeMap<String, Value>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct State {
    plan: String,
    phases: Vec<Phase>,
}

impl State {
    fn load(path: &Path) -> Result<State> {
        match std::fs::read(path) {
            Ok(bytes) => serde_json::from_slice(&bytes).with_context(|| format!("{} is not a ferry migrate state file", path.display())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(State::default()),
            Err(e) => Err(e).with_context(|| format!("reading {}", path.display())),
        }
    }

    /// Write-then-rename, so a kill never leaves half a state file.
    fn save(&self, path: &Path) -> Result<()> {
        let tmp = path.with_extension("json.tmp");
        std::fs::write(&tmp, serde_json::to_vec_pretty(self)?).with_context(|| format!("writing {}", tmp.display()))?;
        std::fs::rename(&tmp, path).with_context(|| format!("replacing {}", path.display()))
    }
}

fn state_path(plan: &Path, state: Option<&PathBuf>) -> PathBuf {
    state.cloned().unwrap_or_else(|| {
        let mut s = plan.as_os_str().to_owned();
        s.push(".state.json");
        PathBuf::from(s)
    })
}

// ---------------------------------------------------------------------------------------------
// Running.

pub async fn run(args: MigrateArgs) -> Result<u8> {
    if let Some(MigrateCommand::Status(s)) = args.command {
        return status(s);
    }
    let a = args.run;
    let plan_path = a.plan.clone().expect("clap requires --plan");
    let plan = Plan::load(&plan_path)?;
    let state_file = state_path(&plan_path, a.state.as_ref());
    let mut state = State::load(&state_file)?;
    if state.plan.is_empty() {
        state.plan = plan.name.clone();
    } else if state.plan != plan.name {
        bail!("{} belongs to plan `{}`, not `{}`: pass --state for a new migration", state_file.display(), state.plan, plan.name);
    }
    let (source, target) = (plan.source.connect()?, plan.target.connect()?);
    let recorder = Recorder::default();
    let (src, dst) = if a.dry_run { (Api::dry_run(&source, &recorder), Api::dry_run(&target, &recorder)) } else { (Api::new(&source), Api::new(&target)) };

    let resuming = state.phases.last().is_some_and(|p| !p.finished);
    if !resuming {
        let last = state.phases.last();
        if last.is_some_and(|p| p.kind == Kind::Cutover) {
            bail!("the migration `{}` is already cut over (`ferry migrate status` shows it)", plan.name);
        }
        let kind = if a.cutover { Kind::Cutover } else if last.is_none() { Kind::Full } else { Kind::Incremental };
        if kind == Kind::Cutover && last.is_none() {
            bail!("cut over after a full phase: run `ferry migrate --plan {}` first", plan_path.display());
        }
        let number = state.phases.len() as u32 + 1;
        let snapshot = format!("{}-{number}-{}", plan.name, serde_json::to_value(kind)?.as_str().unwrap_or_default());
        let indices = crate::source::cluster_indices(&src, &plan.indices).await?;
        state.phases.push(Phase { number, kind, snapshot, indices, done: Vec::new(), snapshot_requested: false, restore_sent: false, finished: false, results: BTreeMap::new() });
    } else if a.cutover && state.phases.last().is_some_and(|p| p.kind != Kind::Cutover) {
        bail!("phase {} is not finished yet: run `ferry migrate --plan {}` (without --cutover) to complete it first", state.phases.len(), plan_path.display());
    }
    let poll = a.poll.polling();
    let ctx = Ctx { plan: &plan, src: &src, dst: &dst, poll, dry_run: a.dry_run, progress: a.report.show_progress() };
    let mut phase = state.phases.last().cloned().expect("a phase was just set up");
    let outcome = run_phase(&ctx, &mut phase, &mut |p: &Phase| {
        if a.dry_run {
            return Ok(());
        }
        *state.phases.last_mut().expect("a phase") = p.clone();
        state.save(&state_file)
    })
    .await;
    let mut recorded = recorder.take();
    for r in &mut recorded {
        if let Some(b) = &mut r.body {
            output::mask_secrets(b);
        }
    }
    let code = match outcome {
        Ok(code) => code,
        Err(e) => return Err(e.context(format!("phase {} ({:?}) of `{}`; rerun to resume (state: {})", phase.number, phase.kind, plan.name, state_file.display()))),
    };
    match a.report.output {
        Format::Json => output::print_json(&json!({"plan": plan.name, "dry_run": a.dry_run, "phase": phase, "requests": recorded}))?,
        Format::Text => {
            if a.dry_run {
                println!("dry run of phase {} ({:?}), snapshot {}: these requests would be sent:", phase.number, phase.kind, phase.snapshot);
                for r in &recorded {
                    println!("  {}", describe(r));
                }
            } else {
                println!("phase {} ({:?}) of `{}`: snapshot {} restored into the target", phase.number, phase.kind, plan.name, phase.snapshot);
                if let Some(v) = phase.results.get("verify") {
                    println!("  verify: {}", if v["ok"] == true { "the target matches the source" } else { "differences (see --output json or `ferry verify`)" });
                }
            }
        }
    }
    Ok(code)
}

fn describe(r: &Recorded) -> String {
    match &r.body {
        Some(b) => format!("{} {}/{} {b}", r.method, r.host, r.path),
        None => format!("{} {}/{}", r.method, r.host, r.path),
    }
}

struct Ctx<'a> {
    plan: &'a Plan,
    src: &'a Api<'a>,
    dst: &'a Api<'a>,
    poll: Polling,
    dry_run: bool,
    progress: bool,
}

/// Run the steps `phase` has not finished; `save` records progress after each.
async fn run_phase(ctx: &Ctx<'_>, phase: &mut Phase, save: &mut impl FnMut(&Phase) -> Result<()>) -> Result<u8> {
    let plan = ctx.plan;
    let steps: &[Step] = match phase.kind {
        Kind::Cutover => &[Step::Register, Step::WriteBlock, Step::Snapshot, Step::Copy, Step::Restore, Step::Verify, Step::Aliases],
        _ => &[Step::Register, Step::Snapshot, Step::Copy, Step::Restore, Step::Verify],
    };
    for &step in steps {
        if phase.done.contains(&step) {
            continue;
        }
        let result: Value = match step {
            Step::Register => {
                register_if_missing(ctx.src, &plan.source).await?;
                register_if_missing(ctx.dst, &plan.target).await?;
                Value::Null
            }
            Step::WriteBlock => {
                if plan.cutover.write_block {
                    ctx.src.put_settings(&phase.indices, &json!({"index": {"blocks": {"write": true}}})).await?;
                }
                json!({"write_blocked": plan.cutover.write_block})
            }
            Step::Snapshot => {
                let info = take_snapshot(ctx, phase, save).await?;
                json!({"state": info.state, "shards": info.shards})
            }
            Step::Copy => match &plan.copy {
                None => Value::Null,
                Some(c) if ctx.dry_run => {
                    // The snapshot was not taken, so there is nothing new to preview: say what would run.
                    if let Some(r) = ctx.src.recorder() {
                        r.push(Recorded { host: "ferry".into(), method: "COPY".into(), path: format!("{} → {}", c.from, c.to), body: None });
                    }
                    Value::Null
                }
                Some(c) => {
                    let options = crate::copy::CopyOptions { transfers: c.transfers.unwrap_or(8), ..Default::default() };
                    let s = crate::copy::copy_repository(&c.from, &c.to, &blobstore::Options::default(), &options, ctx.progress).await?;
                    json!({"objects": s.objects, "copied": s.copied, "copied_bytes": s.copied_bytes, "seconds": s.elapsed_seconds})
                }
            },
            Step::Restore => serde_json::to_value(restore(ctx, phase, save).await?)?,
            Step::Verify => {
                let reports = verify_phase(ctx, phase).await?;
                let ok = reports.iter().all(IndexReport::ok);
                let v = json!({"ok": ok, "indices": reports});
                if phase.kind == Kind::Cutover && !ok && !ctx.dry_run {
                    phase.results.insert("verify".into(), v);
                    save(phase)?;
                    eprintln!("ferry: the target differs from the source after the cutover snapshot; fix the cause and rerun `ferry migrate --cutover` to restore and verify again");
                    // The restore runs again on the rerun.
                    phase.done.retain(|s| *s < Step::Restore);
                    save(phase)?;
                    return Ok(EXIT_DIFFERENT);
                }
                v
            }
            Step::Aliases => {
                switch_aliases(ctx, plan).await?;
                json!(plan.cutover.aliases.iter().map(|a| &a.alias).collect::<Vec<_>>())
            }
        };
        if !result.is_null() {
            phase.results.insert(serde_json::to_value(step)?.as_str().unwrap_or_default().to_owned(), result);
        }
        phase.done.push(step);
        save(phase)?;
    }
    phase.finished = true;
    save(phase)?;
    Ok(0)
}

async fn register_if_missing(api: &Api<'_>, side: &Side) -> Result<()> {
    let exists = match api.repositories(Some(&side.repository)).await {
        Ok(_) => true,
        Err(orchestrate::Error::Cluster(e)) if e.status() == Some(404) => false,
        Err(e) => return Err(e.into()),
    };
    match (&side.register, exists) {
        (_, true) => Ok(()),
        (Some(def), false) => Ok(api.put_repository(&side.repository, def, true).await?),
        (None, false) => bail!("{} has no repository `{}` and the plan has no [*.register] section to create it", api.client.host(), side.repository),
    }
}

/// Take the phase's snapshot, or, when resuming, wait for the one already requested (a FAILED
/// one is deleted and taken again).
async fn take_snapshot(ctx: &Ctx<'_>, phase: &mut Phase, save: &mut impl FnMut(&Phase) -> Result<()>) -> Result<orchestrate::api::SnapshotInfo> {
    let repo = &ctx.plan.source.repository;
    if phase.snapshot_requested && !ctx.dry_run {
        match ctx.src.snapshot(repo, &phase.snapshot).await? {
            Some(s) if s.state.is_running() => return Ok(flow::wait_for_snapshot(ctx.src, repo, &phase.snapshot, false, ctx.poll, &mut |_| {}).await?),
            Some(s) if s.state == SnapshotState::Success => return Ok(s),
            Some(_) => ctx.src.delete_snapshot(repo, &phase.snapshot).await?,
            None => {}
        }
    }
    phase.snapshot_requested = true;
    save(phase)?;
    let body = CreateSnapshot { indices: Some(phase.indices.join(",")), ignore_unavailable: false, include_global_state: false, partial: false, metadata: Some(json!({"taken_by": "ferry migrate", "plan": ctx.plan.name})) };
    Ok(flow::take_snapshot(ctx.src, repo, &phase.snapshot, &body, ctx.poll, |_| {}).await?)
}

async fn restore(ctx: &Ctx<'_>, phase: &mut Phase, save: &mut impl FnMut(&Phase) -> Result<()>) -> Result<flow::Restored> {
    let plan = ctx.plan;
    let repo = &plan.target.repository;
    let renamer = plan.renamer()?;
    let targets: Vec<String> = phase.indices.iter().map(|i| renamer.target(i)).collect();
    if !ctx.dry_run {
        let info = ctx
            .dst
            .snapshot(repo, &phase.snapshot)
            .await?
            .with_context(|| format!("{}: repository {repo} does not show snapshot {} (is the copy's destination the target's repository?)", ctx.dst.client.host(), phase.snapshot))?;
        let created = ctx.src.created_versions(&phase.indices).await?;
        flow::check_restorable(&info, &created, ctx.dst.version().await?)?;
    }
    let body = Restore {
        indices: Some(phase.indices.join(",")),
        ignore_unavailable: false,
        include_global_state: false,
        rename_pattern: plan.restore.rename_pattern.clone(),
        rename_replacement: plan.restore.rename_replacement.clone(),
        index_settings: plan.restore.index_settings.clone(),
        ignore_index_settings: plan.restore.ignore_index_settings.clone(),
        include_aliases: plan.restore.include_aliases,
        partial: false,
    };
    // The full phase restores into an empty target — unless it is resuming a restore it sent.
    let incremental = phase.kind != Kind::Full || phase.restore_sent;
    phase.restore_sent = true;
    save(phase)?;
    Ok(flow::restore(ctx.dst, &flow::RestoreJob { repo, snapshot: &phase.snapshot, body: &body, targets: &targets, incremental, wait_for: &plan.restore.wait_for }, ctx.poll, |_, _| {}).await?)
}

async fn verify_phase(ctx: &Ctx<'_>, phase: &Phase) -> Result<Vec<IndexReport>> {
    if ctx.dry_run {
        return Ok(Vec::new());
    }
    let depth = Depth { sample: ctx.plan.verify.sample, full: ctx.plan.verify.full, seed: u64::from(phase.number) };
    let renamer = ctx.plan.renamer()?;
    let mut out = Vec::new();
    for i in &phase.indices {
        out.push(verify::verify_index(ctx.src, ctx.dst, i, &renamer.target(i), depth).await?);
    }
    Ok(out)
}

/// Point each alias at exactly its `indices`, atomically (one `_aliases` request).
async fn switch_aliases(ctx: &Ctx<'_>, plan: &Plan) -> Result<()> {
    if plan.cutover.aliases.is_empty() {
        return Ok(());
    }
    let mut actions = Vec::new();
    for a in &plan.cutover.aliases {
        let path = format!("_alias/{}", cluster::encode_segment(&a.alias));
        let holders: Vec<String> = match ctx.dst.client.call_json(cluster::Method::GET, &path, None).await {
            Ok(v) => v.as_object().map(|o| o.keys().cloned().collect()).unwrap_or_default(),
            Err(e) if e.status() == Some(404) => Vec::new(),
            Err(e) => return Err(e.into()),
        };
        for h in holders.iter().filter(|h| !a.indices.contains(h)) {
            actions.push(json!({"remove": {"index": h, "alias": a.alias}}));
        }
        for i in &a.indices {
            actions.push(json!({"add": {"index": i, "alias": a.alias}}));
        }
    }
    Ok(ctx.dst.update_aliases(actions).await?)
}

fn status(a: StatusArgs) -> Result<u8> {
    let plan = Plan::load(&a.plan)?;
    let path = state_path(&a.plan, a.state.as_ref());
    let state = State::load(&path)?;
    let next = match state.phases.last() {
        None => "run `ferry migrate --plan …` for the full phase".to_owned(),
        Some(p) if !p.finished => format!("phase {} ({:?}) is unfinished: rerun `ferry migrate --plan …` to resume it", p.number, p.kind),
        Some(p) if p.kind == Kind::Cutover => "done: the migration is cut over".to_owned(),
        Some(_) => "run `ferry migrate --plan …` for another incremental phase, or add --cutover for the final one".to_owned(),
    };
    match a.output {
        Format::Json => output::print_json(&json!({"plan": plan.name, "state_file": path, "phases": state.phases, "next": next}))?,
        Format::Text => {
            println!("migration `{}` (state: {})", plan.name, path.display());
            for p in &state.phases {
                let steps: Vec<String> = p.done.iter().map(|s| serde_json::to_value(s).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()).collect();
                println!("  {} {:?} {}: {} [{}]", p.number, p.kind, p.snapshot, if p.finished { "finished" } else { "unfinished" }, steps.join(", "));
            }
            println!("next: {next}");
        }
    }
    Ok(0)
}
