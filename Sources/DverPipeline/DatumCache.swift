import DverCore
import DverRepository
import DverSystem
import Foundation

/// A successful datum's result: its output files (relative to /pfs/out) and where it came from.
public struct DatumResult: Sendable, Equatable {
    public struct OutputFile: Sendable, Equatable {
        public var path: String
        public var ref: FileRef

        public init(path: String, ref: FileRef) {
            self.path = path
            self.ref = ref
        }
    }

    public var files: [OutputFile]
    /// The job that ran the datum.
    public var job: String
    public var seconds: Double

    public var bytes: UInt64 { files.reduce(0) { $0 + $1.ref.size } }
}

/// Successful datum results by key, one small file each under `.dver/pipelines/datums/`, so a
/// lookup costs one read whatever the history, and results outlive the job (even a failed one).
///
/// File format (text): `job <id>`, `seconds <s>`, then one line per output file:
/// `<kind> <chunked 0|1> <size> <id hex> <path>`.
public struct DatumCache: Sendable {
    public let directory: String
    let durable: Bool

    public init(directory: String, durable: Bool) {
        self.directory = directory
        self.durable = durable
    }

    func path(_ key: ObjectID) -> String {
        let hex = key.hex
        return "\(directory)/\(hex.prefix(2))/\(hex.dropFirst(2))"
    }

    /// The cached result, or nil (a damaged entry counts as missing and is re-run).
    public func lookup(_ key: ObjectID) -> DatumResult? {
        guard let text = try? FileSystem.readText(path(key)) else { return nil }
        return Self.decode(text)
    }

    /// Records a result; called only after the objects it names are durable in sealed packs.
    public func store(_ result: DatumResult, for key: ObjectID) throws {
        let file = path(key)
        try FileSystem.createDirectories(FileSystem.parentPath(file), durable: true)
        try FileSystem.writeAtomically(file, text: Self.encode(result), durable: durable)
    }

    /// Every cached result (damaged entries skipped).
    public func allResults() throws -> [DatumResult] {
        var results = [DatumResult]()
        try forEachEntry { _, result, _ in results.append(result) }
        return results
    }

    static func encode(_ result: DatumResult) -> String {
        var text = "job \(result.job)\nseconds \(result.seconds)\n"
        for file in result.files {
            text += "\(file.ref.kind.rawValue) \(file.ref.chunked ? 1 : 0) \(file.ref.size) \(file.ref.id.hex) \(file.path)\n"
        }
        return text
    }

    static func decode(_ text: String) -> DatumResult? {
        var job: String?
        var seconds = 0.0
        var files = [DatumResult.OutputFile]()
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            if line.hasPrefix("job ") { job = String(line.dropFirst(4)); continue }
            if line.hasPrefix("seconds ") { seconds = Double(line.dropFirst(8)) ?? 0; continue }
            let fields = line.split(separator: " ", maxSplits: 4, omittingEmptySubsequences: false)
            guard fields.count == 5, let rawKind = UInt8(fields[0]), let kind = EntryKind(rawValue: rawKind),
                  let size = UInt64(fields[2]), let id = ObjectID(hex: fields[3]) else { return nil }
            files.append(.init(path: String(fields[4]), ref: FileRef(kind: kind, chunked: fields[1] == "1", size: size, id: id)))
        }
        guard let job else { return nil }
        return DatumResult(files: files, job: job, seconds: seconds)
    }
}
