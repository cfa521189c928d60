@testable import DverPipeline
import DverSystem
import Foundation
import Testing

/// A busybox root file system (for bwrap) and image (for podman), built from busybox-static
/// without any registry.
enum Busybox {
    static let applets = ["sh", "cat", "cp", "ls", "tr", "wc", "sort", "sleep", "echo", "touch", "mkdir", "head", "tail",
                          "basename", "grep", "sed", "true", "false", "test", "printf", "env", "sha256sum", "id", "rm", "cut", "seq",
                          "ln", "find", "uniq", "dirname", "wget"]

    /// Creates `<directory>/bin/busybox` and its applet links.
    static func makeRootfs(at directory: String) throws {
        try FileSystem.createDirectories("\(directory)/bin")
        try FileManager.default.copyItem(atPath: "/bin/busybox", toPath: "\(directory)/bin/busybox")
        for applet in applets { try FileSystem.createSymlink("\(directory)/bin/\(applet)", target: "busybox") }
    }

    /// A rootfs shared by test runs, under the temporary directory (built once, renamed into place).
    static let sharedRootfs: Result<String, any Error> = Result {
        let directory = NSTemporaryDirectory() + "dver-test-rootfs-\(applets.count)"
        if FileSystem.exists("\(directory)/bin/busybox") { return directory }
        let staging = "\(directory).tmp-\(getpid())"
        try? FileSystem.removeTree(staging)
        try makeRootfs(at: staging)
        try? FileSystem.removeTree(directory)
        try FileSystem.rename(staging, to: directory)
        return directory
    }

    /// `localhost/dver-test-busybox:latest`, imported into podman unless it is there already.
    static let podmanImage: Result<String, any Error> = Result {
        let name = "localhost/dver-test-busybox:latest"
        if (try? ChildProcess.capture(["podman", "image", "exists", name]).code) == 0 { return name }
        let rootfs = try sharedRootfs.get()
        let archive = NSTemporaryDirectory() + "dver-test-busybox-\(getpid()).tar"
        defer { unlink(archive) }
        let tar = try ChildProcess.capture(["tar", "-C", rootfs, "-cf", archive, "."])
        #expect(tar.code == 0, "\(tar.output)")
        let imported = try ChildProcess.capture(["podman", "import", "--change", "ENV PATH=/bin", archive, name])
        guard imported.code == 0 else { throw PipelineError.runtimeFailed(runtime: "podman", message: imported.output, hint: nil) }
        return name
    }
}
