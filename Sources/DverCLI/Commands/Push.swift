import ArgumentParser
import DverRemote
import DverRepository

struct Push: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "push",
        abstract: "Send branches and the objects they reach to a remote.",
        discussion: """
        Sends only packs of objects the remote lacks (compared through the remote's pack indexes, never by listing the bucket); the remote's refs move last, in one conditional write. A push with nothing new reads one object and prints "Everything up to date". An interrupted push, rerun, sends only what is still missing.

        Without REPO, every branch of every repo is pushed, and so are the project's pipeline specs (listed in the same final write). A branch whose remote head is not an ancestor of the local one is refused (fetch and reconcile first, or --force); so is a pipeline spec changed both here and on the remote since they last agreed (--force replaces the remote's). A spec only the remote changed is left alone.

        Examples:
          dver push                       # every branch to the default remote
          dver push origin raw            # every branch of repo raw
          dver push origin raw@main
          dver push --force raw@main      # overwrite the remote branch
          dver push -t 16                 # 16 requests at once
        """)

    @OptionGroup var global: GlobalOptions

    @Argument(help: "Remote name (default: the default remote), then REPO[@BRANCH].")
    var remote: String?

    @Argument(help: "REPO or REPO@BRANCH (default: every branch of every repo).")
    var target: String?

    @Flag(name: [.short, .long], help: "Overwrite remote branches that are not ancestors of the local ones, and pipeline specs changed on both sides.")
    var force = false

    @Flag(help: "Delete REPO@BRANCH on the remote (its objects stay until 'dver gc --remote').")
    var delete = false

    @Option(name: [.short, .customLong("transfers")], help: "Requests run at once (default 8, or the remote's 'transfers').")
    var transfers: Int?

    func run() throws {
        let project = try global.transferProject()
        let resolved = try RemoteTarget.resolve(remote, target, project: project, transfers: transfers)
        if delete {
            guard let spec = resolved.spec, let branch = spec.revision else { throw ValidationError("--delete needs REPO@BRANCH") }
            let operation = PushOperation(project: project, remote: resolved.remote, force: force, specs: nil)
            let head = try operation.deleteBranch(repo: spec.repo, branch: branch)
            global.console.line("Deleted \(spec.repo)@\(branch) on \(resolved.remote.name) (was \(head.shortHex()))")
            return
        }
        let targets = try PushOperation.targets(project: project, specs: resolved.spec.map { [$0] } ?? [])
        let specs = PipelineSpecs.forTransfer(project, remote: resolved.remote, scoped: resolved.spec != nil)
        let result = try PushOperation(project: project, remote: resolved.remote, force: force, specs: specs).run(targets)
        let remoteName = resolved.remote.name
        if global.json {
            struct Item: Encodable { let repo: String; let branch: String?; let old: String?; let new: String; let result: String }
            struct Output: Encodable {
                let remote: String; let updates: [Item]; let pipelines: [SpecReport.Item]
                let objects_sent: Int; let bytes_sent: UInt64; let packs_sent: Int; let requests: Int
            }
            try global.console.emit(Output(remote: remoteName, updates: result.updates.map {
                Item(repo: $0.repo, branch: $0.branch, old: $0.old?.hex, new: $0.new.hex, result: $0.kind.rawValue)
            }, pipelines: result.specUpdates.map(SpecReport.Item.init), objects_sent: result.objectsSent, bytes_sent: result.bytesSent,
                                           packs_sent: result.packsSent, requests: result.requests))
            return
        }
        let specLines = result.specUpdates.compactMap { SpecReport.pushed($0, remote: remoteName) }
        if result.isUpToDate {
            global.console.line("Everything up to date (\(remoteName), \(result.requests) request\(result.requests == 1 ? "" : "s"))")
            specLines.forEach { global.console.line($0) }
            return
        }
        for update in result.updates where update.kind != .upToDate {
            let range = update.old.map { "\($0.shortHex())..\(update.new.shortHex())" } ?? update.new.shortHex()
            global.console.line("  \(update.repo)@\(update.branch ?? "-"): \(range) (\(update.kind.rawValue))")
        }
        specLines.forEach { global.console.line($0) }
        let published = result.specUpdates.filter { [.created, .updated, .forced].contains($0.kind) }.count
        let specsText = published == 0 ? "" : ", \(published) pipeline spec\(published == 1 ? "" : "s")"
        global.console.line("Pushed to \(remoteName): \(Format.count(result.objectsSent, "object")) in \(Format.count(result.packsSent, "pack")) "
            + "(\(Format.bytes(result.bytesSent)))\(specsText), \(Format.count(result.requests, "request"))")
    }
}
