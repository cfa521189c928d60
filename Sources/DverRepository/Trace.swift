import Foundation

/// Phase timings on stderr when `DVER_TRACE=1` (like GIT_TRACE_PERFORMANCE), for finding where
/// a slow command spends its time.
enum Trace {
    static let enabled = ProcessInfo.processInfo.environment["DVER_TRACE"] == "1"

    static func measure<T>(_ label: String, _ body: () throws -> T) rethrows -> T {
        guard enabled else { return try body() }
        let start = DispatchTime.now().uptimeNanoseconds
        defer {
            let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
            FileHandle.standardError.write(Data(String(format: "trace: %-28@ %9.2f ms\n", label as NSString, elapsed).utf8))
        }
        return try body()
    }
}
