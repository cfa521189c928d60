import DverCluster
import DverCore
import DverGit
import DverRemote
import DverRepository
import Foundation

extension GarbageCollect {
    /// `dver gc --remote NAME`: roots, the collection, and its report.
    func collectRemote(_ name: String) throws {
        let project = try global.transferProject()
        let target = try RemoteTarget.resolve(name, nil, project: project, transfers: nil)
        var settings = RemoteGarbageCollection.Settings()
        settings.grace = grace * 86_400
        settings.tombstoneAge = tombstoneHours * 3_600
        settings.dryRun = dryRun
        settings.rewriteBelow = rewriteBelow
        var roots = [RemoteRoot]()
        if !noGitPins, let git = GitSupport.open(project, console: global.console) {
            let (pins, unreadable) = try git.pinsAtRefTips()
            for pin in pins { roots.append(RemoteRoot(reason: "git \(pin.ref) pins \(pin.repo)", commit: pin.commit)) }
            for ref in unreadable { global.console.notice("git \(ref): its dver.lock does not parse; the data it pins is not counted as a root") }
        }
        // A cluster executor's results: recent ones are roots, old records go first.
        let records = try ClusterRecordCollection.run(remote: target.remote, grace: settings.grace, dryRun: dryRun)
        roots += records.roots
        let report = try RemoteGarbageCollection(project: project, remote: target.remote, settings: settings).run(extraRoots: roots)
        if !records.deleted.isEmpty, !global.json {
            global.console.line("\(dryRun ? "would delete" : "deleted") \(Format.count(records.deleted.count, "cluster job record")) older than the grace period "
                + "(\(Format.bytes(records.deleted.reduce(0) { $0 + $1.size })))")
        }
        try print(report, remote: name)
    }

    private func print(_ report: RemoteGarbageCollection.Report, remote: String) throws {
        let console = global.console
        if global.json {
            struct Pack: Encodable { let name: String, objects: Int, live_objects: Int, bytes: UInt64, live_bytes: UInt64, action: String, reason: String }
            struct Root: Encodable { let reason: String, commit: String }
            struct Leftover: Encodable { let key: String, size: UInt64, deleted: Bool, reason: String }
            struct Output: Encodable {
                let dry_run: Bool, roots: [Root], absent_roots: [Root], packs: [Pack], new_packs: [String], leftovers: [Leftover]
                let tombstones_deleted: [String], tombstones_kept: [String]
                let bytes_before: UInt64, bytes_after: UInt64, bytes_pending: UInt64, requests: Int
            }
            try console.emit(Output(
                dry_run: report.dryRun,
                roots: report.roots.map { Root(reason: $0.reason, commit: $0.commit.hex) },
                absent_roots: report.absentRoots.map { Root(reason: $0.reason, commit: $0.commit.hex) },
                packs: report.packs.map { Pack(name: $0.name, objects: $0.objects, live_objects: $0.liveObjects, bytes: $0.bytes,
                                               live_bytes: $0.liveBytes, action: $0.action.rawValue, reason: $0.reason) },
                new_packs: report.newPacks.map(\.name),
                leftovers: report.leftovers.map { Leftover(key: $0.key, size: $0.size, deleted: $0.deleted, reason: $0.reason) },
                tombstones_deleted: report.tombstonesDeleted.map(\.pack), tombstones_kept: report.tombstonesKept.map(\.pack),
                bytes_before: report.bytesBefore, bytes_after: report.bytesAfter, bytes_pending: report.bytesPending, requests: report.requests))
            return
        }
        let would = report.dryRun ? "would " : ""
        if verbose {
            for root in report.roots { console.line("root \(root.commit.shortHex())  \(root.reason)") }
            for root in report.absentRoots { console.line("root \(root.commit.shortHex())  \(root.reason) (not on the remote)") }
            for pack in report.packs {
                console.line("\(pack.action.rawValue.padding(7)) \(pack.name.prefix(17))…  \(Format.bytes(pack.bytes).leftPadded(10)), "
                    + "\(pack.liveObjects)/\(Format.count(pack.objects, "object")) live: \(pack.reason)")
            }
        }
        for leftover in report.leftovers {
            console.line("\(leftover.deleted ? "\(would)delete" : "keep") \(leftover.key) (\(Format.bytes(leftover.size))): \(leftover.reason)")
        }
        let rewritten = report.packs.filter { $0.action == .rewrite }.count
        let removed = report.packs.filter { $0.action == .remove }.count
        let kept = report.packs.count - rewritten - removed
        console.line("\(remote): \(Format.count(report.roots.count, "root")); \(Format.count(report.packs.count, "pack")): "
            + "\(kept) kept, \(rewritten) \(would)be rewritten, \(removed) \(would)be removed")
        if report.bytesPending > 0 {
            console.line("\(Format.bytes(report.bytesPending)) in packs taken out of the index \(report.dryRun ? "would be" : "are") "
                + "deleted by a gc at least \(Int(tombstoneHours)) h later (transfers that read the old index may still use them)")
        }
        if !report.tombstonesDeleted.isEmpty {
            console.line("\(would)delete \(Format.count(report.tombstonesDeleted.count, "pack")) taken out of the index by an earlier gc")
        }
        console.line("stored \(Format.bytes(report.bytesBefore)) -> \(Format.bytes(report.bytesAfter))\(report.dryRun ? " (dry run)" : "")"
            + "; \(Format.count(report.requests, "request"))")
    }
}

extension GarbageCollect {
    /// The data commits `dver.lock` pins at every git ref and tag (none outside a git working tree).
    static func gitPinnedCommits(_ project: Project, console: Console) throws -> [ObjectID] {
        guard let git = GitSupport.open(project, console: console) else { return [] }
        let (pins, unreadable) = try git.pinsAtRefTips()
        for ref in unreadable { console.notice("git \(ref): its dver.lock does not parse; the data it pins is not counted as a root") }
        return pins.map(\.commit)
    }
}
