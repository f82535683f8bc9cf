/**
 * The `sdx` program: commander wiring only. Each command's implementation is lazy-imported from
 * `commands/<name>.ts`, returns data, and is rendered by `output.ts`; errors go through the one
 * `handleError`. Exit codes: 0 ok, 1 expected failure (build errors, failed job, refused bundle),
 * 2 usage error, 3 internal error (a bug).
 */
import { Command, CommanderError, Option } from "commander";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { EXIT, handleError, UsageError } from "./errors.js";
import { emit, type CommandResult } from "./output.js";

const version = (JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }).version;

type Runner = (json: boolean) => Promise<CommandResult<unknown>>;

export async function main(argv: string[]): Promise<number> {
  let exitCode: number = EXIT.ok;
  const program = new Command("sdx")
    .description("Build, check and run Spacedrive VDFS extensions written in TypeScript.")
    .version(version, "-v, --version")
    .addOption(new Option("--json", "print machine-readable JSON on stdout"))
    .addOption(new Option("--no-color", "disable colors"))
    .addOption(new Option("--models-dir <dir>", "AI models directory (default: $SDX_MODELS_DIR, then ~/.spacedrive/models)"))
    .showHelpAfterError("(run with --help for usage)")
    .exitOverride();

  const run = (runner: Runner) => async () => {
    const json = Boolean(program.opts().json);
    const modelsDir = program.opts().modelsDir as string | undefined;
    if (modelsDir) process.env.SDX_MODELS_DIR = resolve(modelsDir);
    try {
      exitCode = emit(await runner(json), json);
    } catch (error) {
      exitCode = handleError(error, json);
    }
  };

  program
    .command("init")
    .description("create a working extension project")
    .argument("<dir>", "directory to create (must be empty or absent)")
    .option("--id <id>", "extension id (reverse-DNS); default derived from the directory name")
    .option("--name <name>", "display name")
    .option("--packages <dir>", "depend on the tarballs `npm run pack` wrote to <dir> (default: link the packages of this sdx installation)")
    .action((dir: string, opts: { id?: string; name?: string; packages?: string }) =>
      run(async () => (await import("./commands/init.js")).init(dir, opts))(),
    );

  program
    .command("build")
    .description("type-check, generate the manifest/SQL/bindings and write one bundle to dist/")
    .argument("[dir]", "project directory", ".")
    .option("--watch", "rebuild when sources change (keeps the type checker warm)")
    .option("--key <file>", "sign the bundle with this private key (from `sdx keys generate`; default $SDX_SIGNING_KEY)")
    .action((dir: string, opts: { watch?: boolean; key?: string }) =>
      run(async (json) => (await import("./commands/build.js")).build(dir, { ...opts, json }))(),
    );

  program
    .command("dev")
    .description("build, install into a dev library and run a job (or preview an action) on every save, streaming the extension's log")
    .argument("[dir]", "project directory", ".")
    .option("--job <name>", "job to run after every build")
    .option("--action <name>", "action to preview after every build (nothing is applied)")
    .option("--param <key=value>", "job or action parameter; a path given for an SdPath parameter is indexed (repeatable)", collect, [])
    .option("--library <dir>", "dev library (default <dir>/.sdx-dev/library)")
    .option("--key <file>", "sign the bundles with this private key (default $SDX_SIGNING_KEY)")
    // ui-preview/dev-flag.ts's UI_OPTION, written out: importing it would load the host for every command.
    .option("--ui [port]", "also serve the extension's UI preview on 127.0.0.1 (a per-run token; reloads on every rebuild)")
    .action((dir: string, opts: { job?: string; action?: string; param: string[]; library?: string; key?: string; ui?: boolean | string }) =>
      run(async (json) => (await import("./commands/dev.js")).devCommand(dir, { ...opts, json }))(),
    );

  const keys = program.command("keys").description("the Ed25519 keys authors sign bundles with");
  keys
    .command("generate")
    .description("write a new private key to <file> (mode 600) and its public key to <file>.pub; never overwrites")
    .argument("<file>", "where the private key goes, e.g. ~/.sdx/author.key")
    .action((file: string) => run(async () => (await import("./commands/keys.js")).keysGenerate(file))());
  keys
    .command("fingerprint")
    .description("the fingerprint of a key file (private or .pub): what installs bind extension ids to")
    .argument("<file>")
    .action((file: string) => run(async () => (await import("./commands/keys.js")).keysFingerprint(file))());
  keys
    .command("rotate")
    .description("hand extension ids from an old key to a new one: a statement signed by the old key, kept in <new>.rotations.json, carried by every bundle the new key signs")
    .argument("<old>", "the old private key (the one the ids are bound to)")
    .argument("<new>", "the new key: its private file, or its .pub (the statements then go beside the private file's name)")
    .option("--id <extensionId>", "an extension id the new key takes over (repeatable)", (value: string, list: string[]) => [...list, value], [] as string[])
    .action((oldFile: string, newFile: string, opts: { id: string[] }) => run(async () => (await import("./commands/keys.js")).keysRotate(oldFile, newFile, opts.id))());

  program
    .command("validate")
    .description("check a bundle (integrity, signature, manifest), a bare manifest.json (what a store ingests), or build-check a project directory")
    .argument("<bundle|manifest|dir>", "a .sdx.wasm bundle, a manifest.json or a project directory")
    .action((target: string) => run(async (json) => (await import("./commands/validate.js")).validate(target, { json }))());

  program
    .command("inspect")
    .description("show what a bundle contains: identity, store listing, signature, permissions, models, jobs, sections and sizes")
    .argument("<bundle>", "a .sdx.wasm bundle")
    .action((bundle: string) => run(async () => (await import("./commands/inspect.js")).inspect(bundle))());

  program
    .command("run")
    .description("run a job of a bundle (or an installed extension) against a library")
    .argument("<bundle|extension-id>", "a .sdx.wasm bundle (installed for this run; never widens what an installed extension was granted without asking) or an installed extension id")
    .argument("<job>", "job name")
    .requiredOption("--library <dir>", "library directory (created if absent)")
    .option("--param <key=value>", "job parameter; a path given for an SdPath parameter is converted (repeatable)", collect, [])
    .option("--grant <path>", "bundle file: grant the requested permissions, path-scoped ones limited to this folder (repeatable; replaces the current grants)", collect, [])
    .option("--yes", "bundle file: accept the changes to an installed extension's grants without asking")
    .option("--replace-author", "bundle file: install even though it is not signed by the key the id is bound to")
    .option("--allow-downgrade", "bundle file: install even though a newer version is installed")
    .action((target: string, job: string, opts: { library: string; param: string[]; grant: string[]; yes?: boolean; replaceAuthor?: boolean; allowDowngrade?: boolean }) =>
      run(async (json) => (await import("./commands/run.js")).runCommand(target, job, { ...opts, json }))(),
    );

  program
    .command("index")
    .description("add a directory as a location of the library and index it")
    .argument("<path>", "directory to index")
    .requiredOption("--library <dir>", "library directory (created if absent)")
    .action((path: string, opts: { library: string }) =>
      run(async (json) => (await import("./commands/index-location.js")).indexCommand(path, { ...opts, json }))(),
    );

  program
    .command("install")
    .description("verify a bundle and install it in a library; asks which permissions to grant")
    .argument("<bundle>", "a .sdx.wasm bundle")
    .requiredOption("--library <dir>", "library directory (created if absent)")
    .option("--grant <path>", "limit path-scoped permissions to this folder (repeatable)", collect, [])
    .option("--yes", "grant every requested permission without asking (CI)")
    .option("--replace-author", "install even though the bundle is not signed by the key this extension id is bound to (rebinds the id)")
    .option("--allow-downgrade", "install even though a newer version is installed")
    .action((bundle: string, opts: { library: string; grant: string[]; yes?: boolean; replaceAuthor?: boolean; allowDowngrade?: boolean }) =>
      run(async () => (await import("./commands/install.js")).installCommand(bundle, opts))(),
    );

  program
    .command("uninstall")
    .description("remove an installed extension (its models stay unless --purge)")
    .argument("<extension-id>")
    .requiredOption("--library <dir>", "library directory")
    .option("--purge", "also delete the extension's models")
    .action((id: string, opts: { library: string; purge?: boolean }) =>
      run(async () => (await import("./commands/install.js")).uninstallCommand(id, opts))(),
    );

  program
    .command("grants")
    .description("list installed extensions and their grants, or change an extension's grants")
    .argument("[extension-id]")
    .requiredOption("--library <dir>", "library directory")
    .option("--grant <path>", "grant the requested permissions, path-scoped ones limited to this folder (repeatable)", collect, [])
    .option("--revoke <index>", "revoke the permission with this index (see the list; repeatable)", collect, [])
    .action((id: string | undefined, opts: { library: string; grant: string[]; revoke: string[] }) =>
      run(async () => (await import("./commands/install.js")).grantsCommand(id, opts))(),
    );

  const models = program.command("models").description("the AI model registry (see --models-dir)");
  models
    .command("list")
    .description("registered models, where they come from and whether they are installed")
    .action(() => run(async () => (await import("./commands/models.js")).modelsList())());
  models
    .command("add")
    .description("install a model from a local file (works offline for a model registered by URL)")
    .argument("<name>", "model name, e.g. face_detection")
    .requiredOption("--file <path>", "the model file (e.g. .onnx)")
    .option("--category <category>", "category when the model is new, e.g. face_detection")
    .option("--sha256 <hex>", "refuse the file unless it has this sha256")
    .action((name: string, opts: { file: string; category?: string; sha256?: string }) =>
      run(async () => (await import("./commands/models.js")).modelsAdd(name, opts))(),
    );
  models
    .command("remove")
    .description("remove a model from the registry")
    .argument("<name>")
    .action((name: string) => run(async () => (await import("./commands/models.js")).modelsRemove(name))());
  models
    .command("add-endpoint")
    .description("register a language model served by Ollama or an OpenAI-compatible API")
    .argument("<name>", "model name extensions ask for, e.g. caption")
    .requiredOption("--kind <kind>", "ollama | openai")
    .requiredOption("--url <baseUrl>", "e.g. http://127.0.0.1:11434 (Ollama) or https://api.example.com/v1")
    .requiredOption("--model <model>", "the model's name on that server, e.g. llama3.2")
    .requiredOption("--category <category>", "e.g. llm")
    .option("--api-key-env <VAR>", "environment variable holding the bearer token (never stored)")
    .action((name: string, opts: { kind: string; url: string; model: string; category: string; apiKeyEnv?: string }) =>
      run(async () => (await import("./commands/models.js")).modelsAddEndpoint(name, opts))(),
    );
  models
    .command("download")
    .description("download a model an extension registered by URL (verified by its sha256)")
    .argument("<name>")
    .action((name: string) => run(async () => (await import("./commands/models.js")).modelsDownload(name))());
  models
    .command("install-dir")
    .description("install every file in a directory whose sha256 matches a registered model")
    .argument("<dir>")
    .action((dir: string) => run(async () => (await import("./commands/models.js")).modelsInstallDir(dir))());

  program
    .command("trail")
    .description("print an agent's debug trail (JSON lines under <library>/logs/extension/<id>/)")
    .argument("<extension-id>")
    .requiredOption("--library <dir>", "library directory")
    .option("--follow", "keep printing new records (Ctrl-C to stop)")
    .action((id: string, opts: { library: string; follow?: boolean }) =>
      run(async (json) => (await import("./commands/trail.js")).trailCommand(id, { ...opts, json }))(),
    );

  const consent = program.command("consent").description("which extensions may send data to which off-machine AI endpoints");
  consent
    .command("list")
    .requiredOption("--library <dir>", "library directory")
    .action((opts: { library: string }) => run(async () => (await import("./commands/consent.js")).consentList(opts))());
  consent
    .command("grant")
    .argument("<extension-id>")
    .argument("<endpoint>", "endpoint URL or origin, e.g. https://api.openai.com")
    .requiredOption("--library <dir>", "library directory")
    .action((id: string, endpoint: string, opts: { library: string }) => run(async () => (await import("./commands/consent.js")).consentGrant(id, endpoint, opts))());
  consent
    .command("revoke")
    .argument("<extension-id>")
    .argument("[endpoint]", "only this endpoint (default: all of the extension's)")
    .requiredOption("--library <dir>", "library directory")
    .action((id: string, endpoint: string | undefined, opts: { library: string }) => run(async () => (await import("./commands/consent.js")).consentRevoke(id, endpoint, opts))());

  program
    .command("prefs")
    .description("show or set where models of a category may run: local, cloud, any (the user's choice wins over the extension's)")
    .argument("[category]", "model category, e.g. llm; omitted = the default for all categories")
    .argument("[preference]", "local | cloud | any | unset")
    .requiredOption("--library <dir>", "library directory")
    .action((category: string | undefined, value: string | undefined, opts: { library: string }) =>
      run(async () => (await import("./commands/consent.js")).prefsCommand(category, value, opts))(),
    );

  const jobs = program.command("jobs").description("the jobs of a library: list, show, resume, pause, cancel, wait");
  jobs
    .command("list")
    .description("every job with its id, extension, name, state and progress")
    .requiredOption("--library <dir>", "library directory")
    .option("--extension <id>", "only this extension's jobs")
    .option("--state <state>", "only jobs in this state (queued, running, paused, completed, failed, cancelled)")
    .action((opts: { library: string; extension?: string; state?: string }) => run(async () => (await import("./commands/jobs.js")).jobsList(opts))());
  jobs
    .command("show")
    .description("a job's state, progress, tasks, checkpoint, result and history")
    .argument("<job-id>")
    .requiredOption("--library <dir>", "library directory")
    .action((id: string, opts: { library: string }) => run(async () => (await import("./commands/jobs.js")).jobsShow(id, opts))());
  jobs
    .command("resume")
    .description("run an unfinished job here from its last checkpoint (finished tasks are not redone); exits 0 when it completes")
    .argument("<job-id>")
    .requiredOption("--library <dir>", "library directory")
    .action((id: string, opts: { library: string }) => run(async (json) => (await import("./commands/jobs.js")).jobsResume(id, { ...opts, json }))());
  jobs
    .command("wait")
    .description("wait until a job finishes (runs it here if it is queued and nobody runs it); exits 0 when it completed")
    .argument("<job-id>")
    .requiredOption("--library <dir>", "library directory")
    .action((id: string, opts: { library: string }) => run(async (json) => (await import("./commands/jobs.js")).jobsWait(id, { ...opts, json }))());
  for (const verb of ["pause", "cancel"] as const) {
    jobs
      .command(verb)
      .description(verb === "pause" ? "pause a job (it stops at its next host call, even in another process; continue with resume)" : "cancel a job (it stops at its next host call, even in another process)")
      .argument("<job-id>")
      .requiredOption("--library <dir>", "library directory")
      .action((id: string, opts: { library: string }) => run(async () => (await import("./commands/jobs.js")).jobsControl(verb, id, opts))());
  }

  program
    .command("action")
    .description("preview an action of an installed extension, confirm, and apply exactly the previewed changes")
    .argument("<extension.action>", "e.g. com.example.photos.organizePhotos")
    .requiredOption("--library <dir>", "library directory")
    .option("--param <key=value>", "action parameter (repeatable)", collect, [])
    .option("--yes", "apply without asking (CI); without a terminal and without --yes nothing is applied")
    .option("--preview", "only show the preview (nothing is applied; exit 0)")
    .action((target: string, opts: { library: string; param: string[]; yes?: boolean; preview?: boolean }) =>
      run(async (json) => (await import("./commands/action.js")).actionCommand(target, { ...opts, json }))(),
    );
  const actions = program.command("actions").description("the actions applied to a library: list, show, undo");
  actions
    .command("list")
    .requiredOption("--library <dir>", "library directory")
    .option("--extension <id>", "only this extension's actions")
    .action((opts: { library: string; extension?: string }) => run(async () => (await import("./commands/action.js")).actionsList(opts))());
  actions
    .command("show")
    .argument("<action-id>")
    .requiredOption("--library <dir>", "library directory")
    .action((id: string, opts: { library: string }) => run(async () => (await import("./commands/action.js")).actionsShow(id, opts))());
  actions
    .command("undo")
    .description("restore the library as it was before a reversible action (refused if it changed since)")
    .argument("<action-id>")
    .requiredOption("--library <dir>", "library directory")
    .action((id: string, opts: { library: string }) => run(async () => (await import("./commands/action.js")).actionsUndo(id, opts))());

  program
    .command("settings")
    .description("show or change an installed extension's settings (its @setting fields)")
    .argument("<extension-id>")
    .requiredOption("--library <dir>", "library directory")
    .option("--set <name=value>", "set a setting; values are JSON when they parse as JSON (repeatable)", collect, [])
    .action((id: string, opts: { library: string; set: string[] }) =>
      run(async () => (await import("./commands/settings.js")).settingsCommand(id, opts))(),
    );

  program
    .command("query")
    .description("run an installed extension's named query (<extension-id>.<query>) and print its rows")
    .argument("<target>", "<extension-id>.<query>, or the extension id with --filter")
    .requiredOption("--library <dir>", "library directory")
    .option("--param <name=value>", "a parameter of the query; values are JSON when they parse as JSON (repeatable)", collect, [])
    .option("--filter <text>", "run filter-language text (docs/queries.md) instead of a named query")
    .option("--limit <n>", "rows per page (1-1000)")
    .option("--cursor <cursor>", "the page after the one that returned this cursor")
    .option("--all", "every page, not just the first")
    .action((target: string, opts: import("./commands/query.js").QueryCommandOptions) =>
      run(async () => (await import("./commands/query.js")).queryCommand(target, opts))(),
    );

  program
    .command("preview")
    .description("serve an installed extension's UI (ui_manifest.json) from the library on 127.0.0.1, with a per-run token, until Ctrl-C")
    .argument("<extension-id>")
    .requiredOption("--library <dir>", "library directory")
    .option("--port <n>", "port to listen on (default: any free port)")
    .action((id: string, opts: { library: string; port?: string }) =>
      run(async (json) => (await import("./commands/preview.js")).previewCommand(id, { ...opts, json }))(),
    );

  const library = program.command("library").description("the library's database itself");
  library
    .command("check")
    .description("check library.db read-only (every page, index and foreign key) and say how to recover a damaged one; exit 1 when damaged")
    .requiredOption("--library <dir>", "library directory")
    .action((opts: { library: string }) => run(async () => (await import("./commands/library.js")).libraryCheck(opts))());

  program
    .command("events")
    .description("agent events and their delivery to each hook: state, attempts, last error")
    .requiredOption("--library <dir>", "library directory")
    .option("--extension <id>", "only this extension's deliveries")
    .option("--state <state>", "only deliveries in this state (pending, running, delivered, failed, skipped)")
    .action((opts: { library: string; extension?: string; state?: string }) => run(async () => (await import("./commands/events.js")).eventsCommand(opts))());

  program
    .command("serve")
    .description("keep a host open: scheduled jobs and hooks on time, the peer server for paired devices, continuous sync (until SIGTERM)")
    .requiredOption("--library <dir>", "library directory (created if absent)")
    .option("--port <port>", "port to listen on (default: any free port)")
    .option("--host <address>", "address to listen on (default 127.0.0.1)")
    .option("--capability <name>", "a capability this device has that sdx cannot detect (repeatable)", collect, [])
    .option("--sync-interval <seconds>", "how often to sync with paired devices (default 5; sooner after a change)")
    .action((opts: { library: string; port?: string; host?: string; capability: string[]; syncInterval?: string }) =>
      run(async (json) => (await import("./commands/serve.js")).serveCommand({ ...opts, json }))(),
    );
  const devices = program.command("devices").description("the devices of a library: pair, list, invite");
  devices
    .command("pair")
    .description("pair with a device that serves, using its one-time token")
    .requiredOption("--library <dir>", "library directory (created if absent)")
    .requiredOption("--peer <url>", "where the other device serves, e.g. http://127.0.0.1:7600")
    .requiredOption("--token <token>", "the token its `sdx serve` (or `sdx devices invite`) printed")
    .action((opts: { library: string; peer: string; token: string }) => run(async () => (await import("./commands/devices.js")).devicesPair(opts))());
  devices
    .command("list")
    .description("this device and the others of the library, with their capabilities")
    .requiredOption("--library <dir>", "library directory")
    .action((opts: { library: string }) => run(async () => (await import("./commands/devices.js")).devicesList(opts))());
  devices
    .command("invite")
    .description("a new one-time pairing token for this library")
    .requiredOption("--library <dir>", "library directory")
    .option("--minutes <n>", "how long the token is valid (default 10)")
    .action((opts: { library: string; minutes?: string }) => run(async () => (await import("./commands/devices.js")).devicesInvite(opts))());
  program
    .command("sync")
    .description("sync the library with a paired device (or every paired device that serves), once")
    .requiredOption("--library <dir>", "library directory")
    .option("--peer <url|uuid|name>", "only this paired device")
    .option("--batch-size <n>", "changes per batch (default 500)")
    .action((opts: { library: string; peer?: string; batchSize?: string }) => run(async () => (await import("./commands/sync.js")).syncCommand(opts))());

  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === "commander.helpDisplayed" || error.code === "commander.version" || error.code === "commander.help") return EXIT.ok;
      return EXIT.usage;
    }
    return handleError(error instanceof Error ? error : new UsageError(String(error)), Boolean(program.opts().json));
  }
  return exitCode;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
