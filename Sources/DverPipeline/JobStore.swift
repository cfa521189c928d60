import DverCore
import DverRepository
import DverStore
import DverSystem
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Job records and datum logs under `.dver/jobs/`: `<id>.json` and `<id>/<datum id>.log`.
public struct JobStore: Sendable {
    public let directory: String
    let durable: Bool

    public init(layout: StoreLayout, durable: Bool) {
        directory = "\(layout.storeDirectory)/jobs"
        self.durable = durable
    }

    /// A new job id: seconds since the epoch (hex, so ids sort by time) and random bits.
    public static func newID(now: Date = Date()) -> String {
        let seconds = String(UInt64(now.timeIntervalSince1970), radix: 16)
        return String(repeating: "0", count: max(0, 8 - seconds.count)) + seconds
            + HexCoding.encode(SecureRandom.bytes(4))
    }

    public func recordPath(_ id: String) -> String { "\(directory)/\(id).json" }

    public func logPath(job: String, datum: String) -> String { "\(directory)/\(job)/\(datum).log" }

    public func save(_ record: JobRecord) throws {
        try FileSystem.createDirectories(directory, durable: true)
        try JSONFile.save(record, to: recordPath(record.id), durable: durable)
    }

    public func load(_ id: String) throws -> JobRecord {
        let path = recordPath(id)
        guard FileSystem.exists(path) else { throw PipelineError.unknownJob(id) }
        do {
            var record = try JSONDecoder().decode(JobRecord.self, from: Data(try FileSystem.readFile(path)))
            // A "running" job whose process is gone was interrupted (killed, machine crash).
            if record.state == .running, let pid = record.processID, kill(pid, 0) != 0, errno == ESRCH {
                record.state = .failed
                record.error = "interrupted: process \(pid) ended before the job finished"
            }
            return record
        } catch let error as DecodingError {
            throw PipelineError.corruptRecord(path: path, reason: "\(error)")
        }
    }

    /// Ids of all jobs, oldest first.
    public func ids() throws -> [String] {
        guard FileSystem.isDirectory(directory) else { return [] }
        return try FileSystem.list(directory).map(\.name).filter { $0.hasSuffix(".json") }
            .map { String($0.dropLast(5)) }.sorted()
    }

    /// The job whose id is `text` or starts with it.
    /// - Throws: `PipelineError.unknownJob`, `.ambiguousJob`.
    public func resolve(_ text: String) throws -> JobRecord {
        let all = try ids()
        if all.contains(text) { return try load(text) }
        let matches = all.filter { $0.hasPrefix(text) }
        guard !matches.isEmpty else { throw PipelineError.unknownJob(text) }
        guard matches.count == 1 else { throw PipelineError.ambiguousJob(text, matches: matches) }
        return try load(matches[0])
    }

    /// Jobs, newest first, optionally of one pipeline.
    public func list(pipeline: String? = nil, limit: Int? = nil) throws -> [JobRecord] {
        var result = try ids().map { try load($0) }.filter { pipeline == nil || $0.pipeline == pipeline }
        result.sort { $0.started > $1.started }
        if let limit { result = Array(result.prefix(limit)) }
        return result
    }
}
