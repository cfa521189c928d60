@testable import DverPipeline
import Foundation
import Testing

/// The runtime `dver worker run --in-container` uses in a pod, with its `/pfs` symlink moved
/// by `DVER_PFS_MOUNT` into the test's directory (the machine's own `/` is not touched).
@Suite("In-container runtime")
struct InContainerRuntimeTests {
    @Test("DVER_PFS_MOUNT moves the mount point; unset, it is /pfs")
    func mountPoint() throws {
        #expect(try InContainerRuntime(environment: [:]).pfsRoot(hostDirectory: "/x") == "/pfs")
        #expect(try InContainerRuntime(environment: ["DVER_PFS_MOUNT": "/tmp/pod/pfs"]).pfsRoot(hostDirectory: "/x") == "/tmp/pod/pfs")
    }

    @Test("a DVER_PFS_MOUNT that is not an absolute path to a file name is refused", arguments: ["", "pfs", "./pfs", "/", "/tmp/pfs/"])
    func badMountPoint(_ value: String) throws {
        let error = #expect(throws: PipelineError.self) { try InContainerRuntime(environment: ["DVER_PFS_MOUNT": value]) }
        #expect(String(describing: try #require(error)).contains("DVER_PFS_MOUNT"))
    }

    @Test("a datum runs with the symlink at the moved mount point, a working_dir under /pfs follows it, and the symlink is gone afterwards")
    func run() throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("dver-in-container-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: base) }
        let pfs = base + "/datum"
        try FileManager.default.createDirectory(atPath: pfs + "/raw", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: pfs + "/out", withIntermediateDirectories: true)
        try Data("apple\n".utf8).write(to: URL(fileURLWithPath: pfs + "/raw/a.txt"))
        let mount = base + "/pod/pfs"
        try FileManager.default.createDirectory(atPath: base + "/pod", withIntermediateDirectories: true)
        let runtime = try InContainerRuntime(environment: ["DVER_PFS_MOUNT": mount])

        var transform = Transform()
        transform.image = "registry.example.com/busybox:1.36"
        transform.cmd = ["sh", "-c", #"pwd -P > where; tr a-z A-Z < "$DVER_INPUT_RAW" > "$DVER_OUTPUT/a.txt""#]
        transform.workingDirectory = "/pfs/out"
        let execution = DatumExecution(jobID: "job", datumID: "datum", pfsDirectory: pfs, inputNames: ["raw"],
                                       environment: ["DVER_INPUT_RAW": mount + "/raw/a.txt", "DVER_OUTPUT": mount + "/out"],
                                       transform: transform, resources: Resources(), timeout: 60, stdinPath: nil,
                                       logPath: base + "/datum.log", image: try runtime.prepare(transform), attempt: 1)
        let outcome = try runtime.run(execution)
        let log = (try? String(contentsOfFile: base + "/datum.log", encoding: .utf8)) ?? ""
        #expect(outcome.succeeded, "\(outcome) \(log)")
        #expect(try String(contentsOfFile: pfs + "/out/a.txt", encoding: .utf8) == "APPLE\n")
        let realOut = URL(fileURLWithPath: pfs + "/out").resolvingSymlinksInPath().path
        #expect(try String(contentsOfFile: pfs + "/out/where", encoding: .utf8) == realOut + "\n", "working_dir /pfs/out ran in the datum's out/")
        #expect((try? FileManager.default.destinationOfSymbolicLink(atPath: mount)) == nil, "the symlink was removed")
    }

    @Test("a file of the image's own at the mount point is not replaced")
    func occupiedMountPoint() throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("dver-in-container-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: base) }
        try FileManager.default.createDirectory(atPath: base + "/pfs", withIntermediateDirectories: true)
        let runtime = try InContainerRuntime(environment: ["DVER_PFS_MOUNT": base + "/pfs"])
        var transform = Transform()
        transform.cmd = ["true"]
        let execution = DatumExecution(jobID: "job", datumID: "datum", pfsDirectory: base, inputNames: [], environment: [:],
                                       transform: transform, resources: Resources(), timeout: 60, stdinPath: nil,
                                       logPath: base + "/datum.log", image: try runtime.prepare(transform), attempt: 1)
        let error = #expect(throws: PipelineError.self) { try runtime.run(execution) }
        #expect(String(describing: try #require(error)).contains("is not dver's symlink"))
        #expect(FileManager.default.fileExists(atPath: base + "/pfs"), "the directory is still there")
    }
}
