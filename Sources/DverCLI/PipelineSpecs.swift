import DverPipeline
import DverRemote
import DverRepository

/// The pipeline catalog as DverRemote's `SpecCatalog`: where pipeline specs and remotes meet
/// (DverRemote and DverPipeline never import each other). A spec travels as its canonical JSON,
/// so its blob on a remote is named by its spec hash; what arrives is checked by
/// `PipelineSpec(received:name:)` and added by `PipelineCatalog.adopt`, under the rules of
/// `dver pipeline create`. Push, fetch and pull carry specs only when they move the whole
/// project (no REPO argument), and clone always.
struct PipelineSpecs: SpecCatalog {
    let project: Project
    /// Shown by `dver pipeline inspect` as the origin of a pulled spec.
    let remoteName: String

    private var catalog: PipelineCatalog { PipelineCatalog(layout: project.layout, durable: project.writeSettings.durable) }

    func localSpecs() throws -> [SpecBlob] {
        try catalog.all().map { SpecBlob(name: $0.name, bytes: try $0.spec.canonicalJSON()) }
    }

    func check(_ spec: SpecBlob) throws {
        _ = try PipelineSpec(received: spec.bytes, name: spec.name)
    }

    func checkAdoption(_ specs: [SpecBlob], arrivingRepos: Set<String>) throws {
        try catalog.checkAdoption(try parsed(specs), arrivingRepos: arrivingRepos, project: project)
    }

    func adopt(_ specs: [SpecBlob], arrivingRepos: Set<String>) throws {
        let source = "remote '\(remoteName)'"
        try catalog.adopt(try parsed(specs), source: source, arrivingRepos: arrivingRepos, project: project)
    }

    private func parsed(_ specs: [SpecBlob]) throws -> [PipelineSpec] {
        try specs.map { try PipelineSpec(received: $0.bytes, name: $0.name) }
    }

    /// The catalog for transfers of the whole project; nil when `scoped` (a REPO argument).
    static func forTransfer(_ project: Project, remote: Remote, scoped: Bool) -> PipelineSpecs? {
        scoped ? nil : PipelineSpecs(project: project, remoteName: remote.name)
    }
}

/// How push, fetch, pull and clone report pipeline specs.
enum SpecReport {
    /// A spec update in `--json` output.
    struct Item: Encodable {
        let name: String
        let local: String?
        let remote: String?
        let result: String

        init(_ update: SpecUpdate) {
            name = update.name
            local = update.local?.hex
            remote = update.remote?.hex
            result = update.kind.rawValue
        }
    }

    /// A remote-tracking spec that moved, in `fetch --json` output.
    struct Tracking: Encodable {
        let name: String
        let old: String?
        let new: String

        init(_ update: SpecTrackingUpdate) {
            name = update.name
            old = update.old?.hex
            new = update.new.hex
        }
    }

    /// The line for a spec a pull compared with the remote's.
    static func pulled(_ update: SpecUpdate, remote: String) -> String {
        let theirs = update.remote?.shortHex() ?? "-"
        let mine = update.local?.shortHex() ?? "-"
        var line = "  pipeline \(update.name): "
        switch update.kind {
        case .upToDate: line += "up to date"
        case .created: line += "new at \(theirs) (created)"
        case .updated: line += "\(mine)..\(theirs) (updated)"
        case .forced: line += "\(mine)..\(theirs) (forced: your spec was replaced)"
        case .kept: line += update.local == nil ? "deleted here; not re-added (\(remote) has \(theirs))" : "changed here; kept (push to publish)"
        case .behind: line += "\(remote) has \(theirs)"
        }
        return line
    }

    /// The line for a spec a push compared with the remote's, or nil when it was up to date.
    static func pushed(_ update: SpecUpdate, remote: String) -> String? {
        let theirs = update.remote?.shortHex() ?? "-"
        let mine = update.local?.shortHex() ?? "-"
        switch update.kind {
        case .upToDate: return nil
        case .created: return "  pipeline \(update.name): new at \(mine) (created)"
        case .updated, .kept: return "  pipeline \(update.name): \(theirs)..\(mine) (updated)"
        case .forced: return "  pipeline \(update.name): \(theirs)..\(mine) (forced: \(remote)'s spec was replaced)"
        case .behind: return "  pipeline \(update.name): \(remote) has a newer spec \(theirs); not pushed (pull to take it)"
        }
    }
}
