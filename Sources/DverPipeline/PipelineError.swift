import DverCore

/// DverPipeline: pipeline specs, datums, the incremental planner, job records and the
/// container runtimes that run datums (podman, docker, bubblewrap, local processes).

/// Everything that goes wrong in a pipeline, with the context to fix it.
public enum PipelineError: Error, Sendable, CustomStringConvertible {
    /// A spec problem at `file:line:column`.
    case invalidSpec(file: String, line: Int, column: Int, problem: String, hint: String?)
    case unknownPipeline(String)
    case pipelineExists(String)
    case cycle([String])
    case inputRepoMissing(pipeline: String, repo: String)
    case inputBranchMissing(pipeline: String, repo: String, branch: String, existing: [String])
    case outputRepoConflict(String)
    case dependents(pipeline: String, consumers: [String])
    case runtimeUnavailable(runtime: String, reason: String, hint: String)
    case runtimeFailed(runtime: String, message: String, hint: String?)
    case unknownJob(String)
    case ambiguousJob(String, matches: [String])
    case unknownDatum(job: String, datum: String)
    case noDatumMatches(path: String, pipeline: String)
    case duplicateOutput(path: String, firstDatum: String, secondDatum: String)
    /// A datum output a repo cannot hold; `path` is shown as `/pfs/out/...`, escaped.
    case invalidOutput(path: String, problem: String)
    case corruptRecord(path: String, reason: String)
    /// A spec that arrived from elsewhere (a remote) and is not one `dver pipeline create`
    /// would accept; `problem` may quote the spec's own text, so callers print it escaped.
    case unacceptableSpec(name: String, problem: String)
    case launchFailed(command: String, reason: String)
    case secretMissing(name: String, key: String?, tried: [String])

    public var description: String {
        var text: String
        var hintText: String?
        switch self {
        case .invalidSpec(let file, let line, let column, let problem, let hint):
            text = "\(file):\(line):\(column): \(problem)"
            hintText = hint
        case .unknownPipeline(let name):
            text = "no pipeline named '\(name)'"
            hintText = "'dver pipeline list' shows the pipelines; 'dver pipeline create FILE' adds one"
        case .pipelineExists(let name):
            text = "pipeline '\(name)' already exists"
            hintText = "use 'dver pipeline update FILE' to change it"
        case .cycle(let path):
            text = "pipelines would form a cycle: \(path.joined(separator: " -> "))"
            hintText = "a pipeline's output repo cannot feed (directly or indirectly) its own input"
        case .inputBranchMissing(let pipeline, let repo, let branch, let existing):
            text = "pipeline '\(pipeline)' reads branch '\(branch)' of repo '\(repo)', which has no such branch (it has: \(existing.joined(separator: ", ")))"
            hintText = "set the input's branch to one of them (dver's default branch is main, Pachyderm's is master)"
        case .inputRepoMissing(let pipeline, let repo):
            text = "pipeline '\(pipeline)' reads repo '\(repo)', which does not exist"
            hintText = "create it with 'dver repo create \(repo)' or 'dver add data/\(repo)', or create the pipeline producing it first"
        case .outputRepoConflict(let name):
            text = "a repo named '\(name)' already exists and is not this pipeline's output"
            hintText = "rename the pipeline, or delete the repo with 'dver repo delete \(name)'"
        case .dependents(let pipeline, let consumers):
            text = "pipeline '\(pipeline)' feeds \(consumers.joined(separator: ", "))"
            hintText = "delete or change those pipelines first"
        case .runtimeUnavailable(let runtime, let reason, let hint):
            text = "runtime \(runtime) is not usable: \(reason)"
            hintText = hint
        case .runtimeFailed(let runtime, let message, let hint):
            text = "\(runtime): \(message)"
            hintText = hint
        case .unknownJob(let id):
            text = "no job '\(id)'"
            hintText = "'dver job list' shows the jobs"
        case .ambiguousJob(let prefix, let matches):
            text = "job prefix '\(prefix)' matches \(matches.count) jobs: \(matches.prefix(5).joined(separator: ", "))"
            hintText = "give more characters of the job id"
        case .unknownDatum(let job, let datum):
            text = "job \(job) has no datum '\(datum)'"
            hintText = "'dver job inspect \(job)' lists its datums"
        case .noDatumMatches(let path, let pipeline):
            text = "no datum of pipeline '\(pipeline)' contains '\(path)'"
            hintText = "give an input path the glob matches, e.g. one listed by 'dver job inspect'"
        case .duplicateOutput(let path, let first, let second):
            text = "two datums wrote the output path '\(path)': \(first) and \(second)"
            hintText = "make each datum write distinct paths, e.g. named after its input file"
        case .invalidOutput(let path, let problem):
            text = "output \(Self.abbreviated(path)) cannot be stored: \(problem)"
            hintText = "a datum may write regular files, directories, symlinks that stay inside /pfs/out and symlinks to input files under /pfs, with UTF-8 names, "
                + "at most \(RepoPath.maximumDepth) levels deep; the datum fails rather than lose or alter an output"
        case .corruptRecord(let path, let reason):
            text = "\(path) is damaged: \(reason)"
        case .unacceptableSpec(let name, let problem):
            text = "the spec of pipeline '\(name)' is refused: \(problem)"
        case .launchFailed(let command, let reason):
            text = "could not start \(command): \(reason)"
        case .secretMissing(let name, let key, let tried):
            text = "secret '\(name)'" + (key.map { " key '\($0)'" } ?? "") + " is not set (looked for \(tried.joined(separator: " and ")))"
            hintText = "secrets come from outside the spec (docs/PIPELINES.md, \"Secrets\"): write the value to that file (chmod 600), or set the variable"
        }
        if let hintText { text += "\n  hint: \(hintText)" }
        return text
    }

    /// A path of many components with its middle elided: `/pfs/out/d/d/d/d/…/d/d/leaf.txt
    /// (501 components)`, so a message about a very deep output stays readable.
    static func abbreviated(_ path: String) -> String {
        let components = path.split(separator: "/")
        guard components.count > 16 else { return path }
        return "/" + (components.prefix(6) + ["…"] + components.suffix(3)).joined(separator: "/")
            + " (\(components.count - 2) components under /pfs/out)"
    }
}
