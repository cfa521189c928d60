import ArgumentParser
import DverRemote
import DverRepository
import Foundation

/// `dver fsck --remote NAME [--sample F]`: runs `RemoteFsck` and prints its report.
extension Fsck {
    func checkRemote(_ name: String) throws {
        let project = try global.transferProject()
        let settings = try RemoteRegistry.load(project.layout).resolve(name)
        let remote = try Remote.open(settings, layout: project.layout)
        let check = RemoteFsck(remote: remote, sample: sample ?? RemoteFsck.defaultSample,
                               temporaryDirectory: project.layout.temporaryDirectory, progress: project.progress)
        // Whole packs are downloaded into .dver/tmp, which gc empties: keep it out meanwhile.
        let report = try project.withObjectWriters { try check.run() }
        let now = Date()
        if global.json {
            try global.console.emit(RemoteFsckOutput(remote: remote.name, report: report, now: now))
        } else {
            printRemote(report, remote: remote, now: now)
        }
        if !report.isHealthy { throw ReportedFailure(status: .integrity) }
    }

    private func printRemote(_ report: RemoteFsckReport, remote: Remote, now: Date) {
        let console = global.console
        for error in report.errors { console.data("error: \(error)") }
        if report.errorsNotListed > 0 {
            console.data("error: … and \(Format.count(report.errorsNotListed, "more problem")) (the first \(report.errors.count) are listed)")
        }
        for file in report.unreferenced {
            console.notice("warning: \(file.key) is not referenced by index.json (\(Format.bytes(file.size)), written "
                + "\(Format.age(now.timeIntervalSince(file.modified))) ago): left by an interrupted push, or being written by a push "
                + "still running; a remote gc will delete it")
        }
        let verified = "verified \(report.recordsVerified) of \(Format.count(report.packRecords, "record")) by content " + (report.sample >= 1
            ? "(every pack read whole)" : "(sample \(Format.percent(report.sample)); '--sample 1' verifies all)")
        console.line("checked remote \(remote.name): \(Format.count(report.packs, "pack")), \(Format.count(report.branches, "branch", plural: "branches")), "
            + "\(Format.count(report.commits, "commit")), \(Format.count(report.reachableObjects, "object")) reachable, "
            + "\(Format.count(report.specs, "pipeline spec")); \(verified), \(Format.bytes(report.bytesVerified)) read: "
            + (report.isHealthy ? "ok" : Format.count(report.errors.count + report.errorsNotListed, "problem")))
        if !report.isHealthy {
            console.notice("fsck changed nothing. The remote's damaged or missing files are named above: restore them from a "
                + "backup of the remote, or push from an intact project to a new remote ('dver remote add NAME URL', 'dver push NAME').")
        }
    }
}

/// The `--json` form of a remote check.
struct RemoteFsckOutput: Encodable {
    struct File: Encodable {
        let key: String, size: UInt64, modified: String, age_seconds: Int64
    }

    let remote: String, healthy: Bool, errors: [String], errors_not_listed: Int, unreferenced: [File]
    let packs: Int, pack_records: Int, packs_read_whole: Int, branches: Int, commits: Int, reachable_objects: Int
    let records_verified: Int, bytes_verified: UInt64, specs: Int, sample: Double, requests: Int

    init(remote: String, report: RemoteFsckReport, now: Date) {
        self.remote = remote
        healthy = report.isHealthy
        errors = report.errors
        errors_not_listed = report.errorsNotListed
        unreferenced = report.unreferenced.map { file in
            File(key: file.key, size: file.size, modified: Format.isoDate(file.modified),
                 age_seconds: Int64(max(0, now.timeIntervalSince(file.modified))))
        }
        packs = report.packs
        pack_records = report.packRecords
        packs_read_whole = report.packsReadWhole
        branches = report.branches
        commits = report.commits
        reachable_objects = report.reachableObjects
        records_verified = report.recordsVerified
        bytes_verified = report.bytesVerified
        specs = report.specs
        sample = report.sample
        requests = report.requests
    }
}

extension Format {
    /// `2026-11-23T10:15:30.250Z` (any date: remote timestamps are not trusted to fit in nanoseconds).
    static func isoDate(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: date)
    }

    /// "45 seconds", "3 minutes", "5 hours", "2 days".
    static func age(_ seconds: TimeInterval) -> String {
        let whole = Int(max(0, seconds))
        if whole < 120 { return count(whole, "second") }
        if whole < 7200 { return count(whole / 60, "minute") }
        if whole < 172_800 { return count(whole / 3600, "hour") }
        return count(whole / 86_400, "day")
    }

    /// "2%", "0.5%", "100%".
    static func percent(_ fraction: Double) -> String {
        let value = fraction * 100
        return value == value.rounded() ? "\(Int(value))%" : String(format: "%g%%", value)
    }
}
