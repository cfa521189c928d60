import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `dver serve` as a process: start-up checks, parallel clients, bounded memory, the access log.
@Suite("serve: the server process")
struct ServeTests {
    @Test("without keys or --anonymous it refuses to start; --anonymous beyond loopback needs saying so")
    func startUp() throws {
        let project = try TestProject()
        let noKeys = project.run(["serve", "--listen", "127.0.0.1:0"], expect: 1)
        #expect(noKeys.stderr.contains("dver serve --new-key"), "\(noKeys.stderr)")
        let open = project.run(["serve", "--anonymous", "--listen", "0.0.0.0:0"], expect: 1)
        #expect(open.stderr.contains("--anonymous-beyond-loopback"), "\(open.stderr)")
        #expect(project.run(["serve", "--listen", "nonsense"], expect: 1).stderr.contains("HOST:PORT"))
        project.run(["serve", "--new-key"])
        let keys = try JSONSerialization.jsonObject(with: Data(try project.read(".dver/serve.json"))) as? [String: Any]
        #expect((keys?["keys"] as? [[String: Any]])?.count == 1)
        let mode = try FileManager.default.attributesOfItem(atPath: project.path(".dver/serve.json"))[.posixPermissions] as? Int
        #expect(mode == 0o600)
    }

    @Test("four clients stream a 192 MiB file at once, byte for byte, while the server's memory stays bounded")
    func parallelStreams() throws {
        let project = try TestProject()
        var generator = SeededGenerator(seed: 21)
        let size = 192 << 20
        var bytes = [UInt8]()
        bytes.reserveCapacity(size)
        while bytes.count < size { bytes += generator.bytes(1 << 20) }
        try project.write("data/big/big.bin", bytes)
        project.run(["add", "-q", "data/big"])
        project.run(["commit", "-q", "-m", "big"])
        let server = try project.start(["serve", "--anonymous", "--listen", "127.0.0.1:0", "--log", project.path("access.log")])
        defer { server.kill() }
        var port: Int?
        for _ in 0..<500 where port == nil {
            if let range = server.standardOutputSoFar.range(of: "http://127.0.0.1:") {
                port = Int(server.standardOutputSoFar[range.upperBound...].prefix { $0.isNumber })
            }
            usleep(10_000)
        }
        let url = "http://127.0.0.1:\(try #require(port))/big/main/big.bin"
        // Python, not sh: a shell's `wait` relies on SIGCHLD, which the test process's threads
        // may have blocked for the children they start.
        let clients = try ExternalCommand.run(["python3", "-c", """
            import concurrent.futures, hashlib, subprocess, sys
            def fetch(_):
                curl = subprocess.Popen(["curl", "-sf", sys.argv[1]], stdout=subprocess.PIPE)
                digest = hashlib.sha256()
                for block in iter(lambda: curl.stdout.read(1 << 20), b""):
                    digest.update(block)
                assert curl.wait() == 0
                return digest.hexdigest()
            def anonymous():
                for line in open(f"/proc/{sys.argv[3]}/status"):
                    if line.startswith("RssAnon:"):
                        return int(line.split()[1])
            with concurrent.futures.ThreadPoolExecutor(4) as pool:
                running = [pool.submit(fetch, index) for index in range(4)]
                peak = 0
                while not all(future.done() for future in running):
                    peak = max(peak, anonymous())
                digests = [future.result() for future in running]
            expected = hashlib.sha256(open(sys.argv[2], "rb").read()).hexdigest()
            assert digests == [expected] * 4, digests
            print(peak)
            """, url, project.path("data/big/big.bin"), String(server.pid)])
        #expect(clients.status == 0, "\(clients.output)")
        // Pages of the mapped packs count as the process's (file-backed, shared with the page
        // cache); what must stay bounded is its own memory.
        let peak = Int(clients.output.trimmingCharacters(in: .whitespacesAndNewlines)) ?? Int.max
        #expect(peak < 64 * 1024, "peak anonymous RSS \(peak) KiB while serving a \(size >> 20) MiB file to four clients")
        let log = try String(decoding: project.read("access.log"), as: UTF8.self)
        #expect(log.components(separatedBy: "GET /big/main/big.bin 200 \(size)").count - 1 == 4, "\(log)")
    }
}
