import DverCore
import DverRepository

/// A pipeline whose output repo was not made from the current heads of its input branches:
/// its last job failed, was interrupted, or never ran on them (`--no-trigger`, triggers off).
public struct StaleOutput: Sendable {
    /// An input branch whose head the output's latest commit did not read.
    public struct InputHead: Sendable {
        public let repo: String
        public let branch: String
        public let commit: ObjectID
    }

    public let pipeline: String
    /// The output repo's branch (the repo is named after the pipeline).
    public let outputBranch: String
    /// The output branch's head, nil when the pipeline never committed.
    public let outputHead: ObjectID?
    public let behind: [InputHead]
}

/// How an output commit names the input commits it was made from.
public enum OutputProvenance {
    /// `input.<repo>`, or `input.<repo>@<branch>` for a branch other than main.
    public static func inputKey(repo: String, branch: String) -> String {
        "input.\(repo)" + (branch == "main" ? "" : "@\(branch)")
    }

    /// `<repo>@<commit hex>` (`none` for a branch without commits).
    public static func inputValue(repo: String, commit: String?) -> String {
        "\(repo)@\(commit ?? "none")"
    }
}

extension PipelineCatalog {
    /// The pipelines whose output is behind their inputs, compared through the provenance of
    /// the output branch's head (`input.<repo>[@<branch>] = <repo>@<commit>`) and the input
    /// branches' heads. Reads each pipeline's spec, a few refs and one commit: cheap enough for
    /// `dver status`. Inputs pinned to a commit, and branches with no commits, never make a
    /// pipeline stale.
    /// - Throws: `PipelineError.corruptRecord` for an unreadable spec; ref and store errors.
    public func staleOutputs(project: Project) throws -> [StaleOutput] {
        guard !isEmpty else { return [] }
        var stale = [StaleOutput]()
        for stored in try all() {
            let spec = stored.spec
            // An output repo or input that is gone is other commands' business: not stale here.
            let outputHead: ObjectID?
            do { outputHead = try project.refs.read(repo: spec.name, branch: spec.outputBranch) } catch { continue }
            let provenance = try outputHead.map { try project.store.decodeCommit($0).provenance } ?? [:]
            var behind = [StaleOutput.InputHead]()
            var seen = Set<String>()
            for input in spec.pfsInputs where input.commit == nil {
                let key = OutputProvenance.inputKey(repo: input.repo, branch: input.branch)
                guard seen.insert(key).inserted,
                      let head = (try? project.refs.read(repo: input.repo, branch: input.branch)) ?? nil else { continue }
                if provenance[key] != OutputProvenance.inputValue(repo: input.repo, commit: head.hex) {
                    behind.append(.init(repo: input.repo, branch: input.branch, commit: head))
                }
            }
            if !behind.isEmpty {
                stale.append(StaleOutput(pipeline: spec.name, outputBranch: spec.outputBranch, outputHead: outputHead, behind: behind))
            }
        }
        return stale
    }
}
