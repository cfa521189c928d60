import DverCore
import DverStore
import Foundation

/// A job's plan: every datum, which results are reused, which datums must run.
public struct JobPlan: Sendable {
    public var datums: [Datum]
    /// Reused results by datum index.
    public var cached: [Int: DatumResult]
    /// Datum indices to run, in order.
    public var toRun: [Int]
    /// One record per datum (skipped ones complete, the rest pending).
    public var records: [DatumRecord]
    public var seconds: Double
}

/// Globs, keys and skips: reads tree objects and one small cache file per datum, never
/// input file contents, so planning grows with the size of the input commit's matched entries
/// and not with history.
public struct JobPlanner: Sendable {
    let store: ObjectStore
    let cache: DatumCache

    public init(store: ObjectStore, cache: DatumCache) {
        self.store = store
        self.cache = cache
    }

    /// - Throws: `PipelineError.noDatumMatches` when `datumPath` selects nothing.
    public func plan(_ spec: PipelineSpec, roots: [String: ObjectID?], imageIdentity: String, datumPath: String?) throws -> JobPlan {
        let start = DispatchTime.now().uptimeNanoseconds
        let prefix = DatumKey.transformPrefix(spec.transform, imageIdentity: imageIdentity, salt: spec.salt)
        var seen = Set<ObjectID>()
        var datums = [Datum]()
        for inputs in try DatumEnumerator(store: store, roots: roots).enumerate(spec.input) {
            let datum = Datum(inputs: inputs, key: DatumKey.key(prefix: prefix, inputs: inputs))
            if seen.insert(datum.key).inserted { datums.append(datum) }
        }
        if let datumPath {
            // "/a.csv", "a.csv" or "raw:/a.csv" (input name and path).
            var wantedName: String?
            var wanted = datumPath
            if let separator = datumPath.range(of: ":/") {
                wantedName = String(datumPath[..<separator.lowerBound])
                wanted = String(datumPath[datumPath.index(before: separator.upperBound)...])
            }
            if !wanted.hasPrefix("/") { wanted = "/" + wanted }
            datums = datums.filter { datum in
                datum.inputs.contains { input in
                    (wantedName == nil || wantedName == input.name)
                        && (input.path == wanted || wanted.hasPrefix(input.path == "/" ? "/" : input.path + "/"))
                }
            }
            if datums.isEmpty { throw PipelineError.noDatumMatches(path: datumPath, pipeline: spec.name) }
        }
        var cached = [Int: DatumResult]()
        var toRun = [Int]()
        var records = [DatumRecord]()
        for (index, datum) in datums.enumerated() {
            var record = DatumRecord(id: datum.id, inputs: datum.inputs.map(\.label), state: .pending)
            // Objects of a result could have been reclaimed by gc: such an entry counts as a miss.
            // reprocess_spec every_job never reuses a result.
            if datumPath == nil, spec.reprocess == .untilSuccess, let result = cache.lookup(datum.key), result.files.allSatisfy({ store.contains($0.ref.id) }) {
                cached[index] = result
                record.state = .skipped
                record.reusedFrom = result.job
                record.outputFiles = result.files.count
                record.outputBytes = result.bytes
            } else {
                toRun.append(index)
            }
            records.append(record)
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        return JobPlan(datums: datums, cached: cached, toRun: toRun, records: records, seconds: seconds)
    }
}
