@testable import DverPipeline
import Foundation
import Testing

@Suite("Job records")
struct JobStoreTests {
    @Test("a running job whose process is gone reads as interrupted; ids resolve by prefix")
    func interruptedAndPrefixes() throws {
        let project = try PipelineProject.make()
        let jobs = project.runner.jobs
        let finished = Process()
        finished.executableURL = URL(fileURLWithPath: "/bin/sh")
        finished.arguments = ["-c", "true"]
        try finished.run()
        finished.waitUntilExit()
        var record = JobRecord(id: "00000001aaaaaaaa", pipeline: "p", specHash: "h", trigger: "manual", started: 1)
        record.processID = finished.processIdentifier
        try jobs.save(record)
        var alive = JobRecord(id: "00000002bbbbbbbb", pipeline: "p", specHash: "h", trigger: "manual", started: 2)
        alive.processID = getpid()
        try jobs.save(alive)

        let loaded = try jobs.resolve("00000001")
        #expect(loaded.state == .failed && loaded.error?.contains("interrupted") == true)
        #expect(try jobs.resolve("00000002bb").state == .running)
        #expect(throws: PipelineError.self) { try jobs.resolve("0000000") }
        #expect(throws: PipelineError.self) { try jobs.resolve("ffff") }
        #expect(try jobs.list().map(\.id) == ["00000002bbbbbbbb", "00000001aaaaaaaa"])
    }
}
