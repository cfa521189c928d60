import DverCore
import DverPipeline
import DverRepository

/// `dver status` on output repos: a pipeline that has not run on the current heads of its
/// inputs is shown as stale, under its output repo.
extension Status {
    /// Stale pipelines by output repo name (none when the pipelines cannot be read: status
    /// reports the workspace, and 'dver pipeline list' the pipelines' problems).
    func stalePipelines(_ project: Project) -> [String: StaleOutput] {
        let catalog = PipelineCatalog(layout: project.layout, durable: project.writeSettings.durable)
        let stale = (try? catalog.staleOutputs(project: project)) ?? []
        return Dictionary(stale.map { ($0.pipeline, $0) }, uniquingKeysWith: { first, _ in first })
    }

    func printStale(_ stale: StaleOutput?) {
        guard let stale else { return }
        let inputs = stale.behind.map { "\($0.repo)@\($0.commit.shortHex())" }.joined(separator: ", ")
        global.console.data("  pipeline \(stale.pipeline) has not run on \(inputs) (run 'dver pipeline run \(stale.pipeline)')")
    }
}

/// The `stale_pipeline` member of a repo in `dver status --json`.
struct StalePipelineJSON: Encodable {
    struct Input: Encodable { let repo: String; let branch: String; let commit: String }
    let pipeline: String
    let output_head: String?
    let inputs: [Input]

    init(_ stale: StaleOutput) {
        pipeline = stale.pipeline
        output_head = stale.outputHead?.hex
        inputs = stale.behind.map { Input(repo: $0.repo, branch: $0.branch, commit: $0.commit.hex) }
    }
}
