import DverCore
import DverRepository
import DverStore
import Foundation

/// What one cron input got from a tick.
public struct CronTick: Sendable {
    public var pipeline: String
    public var input: String
    public var repo: String
    /// Tick file names written (RFC 3339 times), oldest first.
    public var ticks: [String]
    /// The cron repo's new commit; nil when no tick was due.
    public var commit: ObjectID?
    /// Due ticks beyond `JobRunner.maximumCatchUp` that were not written.
    public var skipped: Int
}

/// Cron inputs (docs/PIPELINES.md, "Cron inputs"): `dver pipeline tick` writes the ticks that
/// are due into each cron repo — one empty file per tick, named by its time in RFC 3339 as
/// Pachyderm names them — commits them, and runs the pipelines downstream. No daemon: run it
/// from cron, a systemd timer or a loop. The next tick follows the latest tick in the repo
/// (or the input's `start`, by default the pipeline's creation), as Pachyderm's does.
extension JobRunner {
    /// At most this many missed ticks are written at once (the latest ones).
    public static let maximumCatchUp = 1000

    /// Writes the due ticks of every cron input of `pipelines` (all pipelines when empty);
    /// with `force`, one tick at `now` whatever the schedule (`pachctl run cron`). Then runs
    /// the pipelines downstream of the cron repos that got ticks.
    /// - Returns: the ticks per cron input, and the jobs run.
    public func tick(_ names: [String], now: Date = Date(), force: Bool = false,
                     onJob: (JobRecord) -> Void = { _ in }) throws -> (ticks: [CronTick], jobs: [JobRecord]) {
        let pipelines = names.isEmpty ? try catalog.all() : try names.map { try catalog.load($0) }
        var ticks = [CronTick]()
        for pipeline in pipelines {
            for cron in pipeline.spec.input.cronInputs {
                ticks.append(try project.withObjectWriters { try tick(cron, pipeline: pipeline, now: now, force: force) })
            }
        }
        let changed = ticks.filter { $0.commit != nil }.map { (repo: $0.repo, branch: "main") }
        return (ticks, try runDownstream(of: changed, trigger: "cron", onJob: onJob))
    }

    private func tick(_ cron: CronInput, pipeline: StoredPipeline, now: Date, force: Bool) throws -> CronTick {
        var result = CronTick(pipeline: pipeline.name, input: cron.name, repo: cron.repo, ticks: [], commit: nil, skipped: 0)
        if (try? project.repo(named: cron.repo)) == nil {
            _ = try project.createRepo(name: cron.repo, mount: "data/\(cron.repo)", branch: "main")
        }
        let parent = try project.refs.read(repo: cron.repo, branch: "main")
        var files = [TreeBuilder.File]()
        if let parent {
            files = try TreeReader(store: project.store).files(try project.store.decodeCommit(parent).tree)
                .map { TreeBuilder.File(path: $0.path, ref: $0.ref) }
        }
        var due = [Date]()
        if force {
            due = [Date(timeIntervalSince1970: floor(now.timeIntervalSince1970))]
        } else {
            let schedule = try CronSchedule(cron.spec)
            let latest = files.compactMap { CronSchedule.parseTime(RepoPath.lastComponent($0.path)) }.max()
            let start = Date(timeIntervalSince1970: cron.start ?? floor(pipeline.created))
            var from = max(latest ?? start, start)
            while let next = schedule.next(after: from), next <= now {
                due.append(next)
                if due.count > Self.maximumCatchUp {
                    due.removeFirst()
                    result.skipped += 1
                }
                from = next
            }
        }
        guard !due.isEmpty else { return result }
        if cron.overwrite { due = [due[due.count - 1]] }
        result.ticks = due.map(CronSchedule.tickName)
        let writer = project.makeWriter()
        do {
            let empty = SHA256.hash([UInt8]())
            try writer.put(empty, kind: .chunk, bytes: [UInt8]())
            let ref = FileRef(kind: .file, chunked: false, size: 0, id: empty)
            if cron.overwrite { files = [] }
            let names = Set(files.map(\.path))
            files += result.ticks.filter { !names.contains($0) }.map { TreeBuilder.File(path: $0, ref: ref) }
            let tree = try TreeBuilder.build(files, writer: writer)
            let commit = Commit(repo: cron.repo, tree: tree, parents: parent.map { [$0] } ?? [],
                                time: Int64((now.timeIntervalSince1970 * 1e9).rounded()), timeZoneOffsetMinutes: 0,
                                author: "dver cron \(pipeline.name)", message: "\(cron.name): tick \(result.ticks.last ?? "")",
                                commitSet: nil, gitHead: gitHead, provenance: ["cron": "\(pipeline.name)/\(cron.name)"])
            let id = try writer.put(encoded: commit.encoded(), kind: .commit)
            _ = try writer.finish()
            var notes = [String]()
            try moveBranch(repo: cron.repo, branch: "main", to: id, expected: parent, notes: &notes)
            result.commit = id
        } catch {
            writer.abandon()
            throw error
        }
        return result
    }
}
