import ArgumentParser
import DverAccess
import DverServe
import Foundation

struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve every repo and revision over the S3 API, read-only.",
        discussion: """
        Buckets are repos; keys are <revision>/<path>, where the revision is a branch (also \
        main~1), a commit id of at least 8 hex digits, or a commit-set id. Files stream from \
        the store chunk by chunk; nothing is checked out. Branches are resolved on every \
        request, so a commit is visible at once.

        Requests must be signed (AWS Signature Version 4, header or presigned URL) with a key \
        from .dver/serve.json, which --new-key creates. --anonymous serves unsigned requests, \
        on loopback addresses only unless --anonymous-beyond-loopback is given too. Writes are \
        refused. See docs/ACCESS.md for the AWS CLI, boto3, pandas and DuckDB.

        Examples:
          dver serve --new-key                       # print a new key pair (stored in .dver/serve.json)
          dver serve --listen 127.0.0.1:8333         # then, with that key in the AWS CLI's settings:
          aws --endpoint-url http://127.0.0.1:8333 s3 ls s3://raw/main/
          dver serve --anonymous --log -             # no keys; one line per request on stderr
        """)

    @OptionGroup var global: GlobalOptions

    @Option(help: ArgumentHelp("Address and port to listen on (port 0: any free port).", valueName: "HOST:PORT"))
    var listen = "127.0.0.1:8333"

    @Flag(help: "Serve unsigned requests (loopback addresses only, unless --anonymous-beyond-loopback).")
    var anonymous = false

    @Flag(help: "Allow --anonymous on an address other machines can reach.")
    var anonymousBeyondLoopback = false

    @Flag(help: "Create an access key, store it in .dver/serve.json, print it, and exit.")
    var newKey = false

    @Option(help: "The region GetBucketLocation answers (signatures for any region are accepted).")
    var region = "us-east-1"

    @Option(help: ArgumentHelp("Host name under which virtual-hosted-style requests (BUCKET.DOMAIN) are recognised.", valueName: "DOMAIN"))
    var domain = "localhost"

    @Option(help: ArgumentHelp("Write one line per request to FILE ('-': stderr).", valueName: "FILE"))
    var log: String?

    @Option(help: "Requests answered at once.")
    var workers = 16

    func validate() throws {
        guard (1...1024).contains(workers) else { throw ValidationError("--workers must be 1 to 1024") }
    }

    func run() throws {
        let project = try global.project()
        let keysPath = "\(project.layout.storeDirectory)/serve.json"
        var keys = try ServeKeys.load(from: keysPath)
        if newKey {
            let key = ServeKeys.generate()
            keys.keys.append(key)
            try keys.save(to: keysPath)
            global.console.data("access key id:     \(key.accessKeyID)")
            global.console.data("secret access key: \(key.secretAccessKey)")
            global.console.line("stored in \(keysPath); give both to your S3 client (aws configure, boto3, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY)")
            return
        }
        guard let colon = listen.lastIndex(of: ":"), let port = Int(listen[listen.index(after: colon)...]), (0...65535).contains(port) else {
            throw ServeError.badListenAddress(listen)
        }
        let host = String(listen[..<colon]).trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        if anonymous, !anonymousBeyondLoopback, !Self.isLoopback(host) { throw ServeError.anonymousNotLoopback(host: host) }
        if !anonymous, keys.keys.isEmpty { throw ServeError.noKeys(path: keysPath) }
        let logLine = try Self.logger(log)
        let service = S3Service(lookup: RevisionLookup(project: project),
                                settings: .init(keys: keys, anonymous: anonymous, region: region, domain: domain))
        let server = try S3Server(service: service, host: host, port: port, workers: workers, log: logLine)
        let repos = try project.repos().count
        global.console.line("serving \(Format.count(repos, "repo")) at http://\(server.address) "
            + (anonymous ? "without authentication" : "for \(Format.count(keys.keys.count, "key")) in \(keysPath)") + "; Ctrl-C stops")
        try server.wait()
    }

    static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }

    static func logger(_ destination: String?) throws -> (@Sendable (String) -> Void)? {
        guard let destination else { return nil }
        let handle: FileHandle
        if destination == "-" {
            handle = FileHandle.standardError
        } else {
            if !FileManager.default.fileExists(atPath: destination) { FileManager.default.createFile(atPath: destination, contents: nil) }
            guard let opened = FileHandle(forWritingAtPath: destination) else { throw ValidationError("cannot open '\(destination)' for --log") }
            opened.seekToEndOfFile()
            handle = opened
        }
        let lock = NSLock()
        return { line in
            lock.lock()
            defer { lock.unlock() }
            handle.write(Data((line + "\n").utf8))
        }
    }
}
