// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "dver",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "dver", targets: ["dver"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.1"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.81.0"),
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.1.0"),
    ],
    targets: [
        // C system libraries.
        .systemLibrary(name: "COpenSSL", pkgConfig: "libcrypto",
                       providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CZstd", pkgConfig: "libzstd",
                       providers: [.apt(["libzstd-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib",
                       providers: [.apt(["zlib1g-dev"])]),
        // libcurl, opened with dlopen on first use (start-up cost; see include/ccurl.h).
        // Its headers come from libcurl4-openssl-dev, which scripts/setup.sh installs.
        .target(name: "CCurl", linkerSettings: [.linkedLibrary("dl")]),
        .systemLibrary(name: "CGit2", pkgConfig: "libgit2",
                       providers: [.apt(["libgit2-dev"])]),
        // libfuse 3 for `dver mount` (shim.h picks FUSE_USE_VERSION 31 and wraps two macros).
        .systemLibrary(name: "CFuse", pkgConfig: "fuse3",
                       providers: [.apt(["libfuse3-dev"])]),

        // Pure values: ids, hashing, encodings. No I/O.
        .target(name: "DverCore", dependencies: ["COpenSSL"]),
        // FastCDC 2020 over byte buffers.
        .target(name: "DverChunking", dependencies: ["DverCore"]),
        // Linux calls glibc declares only under _GNU_SOURCE.
        .target(name: "CSystemShims"),
        // The local pipeline runtime's process-tree containment (a subreaper helper per datum).
        .target(name: "CProcessContainment"),
        // Thin typed wrappers over the syscalls the store needs.
        .target(name: "DverSystem", dependencies: ["CSystemShims"]),
        // Packs, indexes, codecs, refs, locks, durability.
        .target(name: "DverStore",
                dependencies: ["DverCore", "DverChunking", "DverSystem", "CZstd", "CZlib",
                               .product(name: "HeapModule", package: "swift-collections")]),
        // Repos, staging, workspace index, commit, checkout, diff, fsck.
        .target(name: "DverRepository",
                dependencies: ["DverCore", "DverChunking", "DverSystem", "DverStore"]),
        // Remotes: directory and S3 transports, push/fetch/pull/clone.
        .target(name: "DverRemote",
                dependencies: ["DverCore", "DverSystem", "DverStore", "DverRepository", "CCurl"]),
        // Git integration through libgit2: dver.lock at revisions, hooks, ignore blocks, merge driver.
        .target(name: "DverGit",
                dependencies: ["DverCore", "DverSystem", "DverStore", "DverRepository", "CGit2"]),
        // Pipelines: specs, datums, planner, job records, container runtimes.
        .target(name: "DverPipeline",
                dependencies: ["DverCore", "DverSystem", "DverStore", "DverRepository", "CProcessContainment",
                               .product(name: "Yams", package: "Yams")]),
        // Pipelines on cluster schedulers (Slurm, Kubernetes) through a shared remote.
        .target(name: "DverCluster",
                dependencies: ["DverCore", "DverSystem", "DverStore", "DverRepository", "DverRemote", "DverPipeline"]),
        // Reading snapshots without a checkout: revisions, listings, ranged file reads (serve, mount).
        .target(name: "DverAccess",
                dependencies: ["DverCore", "DverSystem", "DverStore", "DverRepository"]),
        // `dver serve`: the S3 API (ListBuckets, ListObjectsV2, Get/HeadObject, SigV4) over snapshots.
        .target(name: "DverServe",
                dependencies: ["DverCore", "DverSystem", "DverStore", "DverRepository", "DverAccess", "COpenSSL",
                               .product(name: "NIOCore", package: "swift-nio"),
                               .product(name: "NIOPosix", package: "swift-nio"),
                               .product(name: "NIOHTTP1", package: "swift-nio")]),
        // `dver mount`: a read-only FUSE file system at a revision, from the store or a remote.
        .target(name: "DverMount",
                dependencies: ["DverCore", "DverSystem", "DverStore", "DverRepository", "DverRemote", "DverAccess", "CFuse", "CSystemShims"]),
        // Command line front end.
        .target(name: "DverCLI",
                dependencies: [
                    "DverCore", "DverSystem", "DverStore", "DverRepository",
                    "DverRemote",
                    "DverGit",
                    "DverPipeline",
                    "DverCluster",
                    "DverAccess",
                    "DverServe",
                    "DverMount",
                    .product(name: "ArgumentParser", package: "swift-argument-parser"),
                ]),
        .executableTarget(name: "dver", dependencies: ["DverCLI"]),

        // Seeded test data shared by the test targets (not part of the product).
        .target(name: "DverTestSupport", path: "Tests/Support"),
        // A real SeaweedFS S3 server for the suites that need one (remote, cluster).
        .target(name: "DverServerSupport", dependencies: ["DverRemote", "DverSystem"], path: "Tests/ServerSupport"),
        .testTarget(name: "DverCoreTests", dependencies: ["DverCore", "DverTestSupport"],
                    resources: [.copy("Vectors")]),
        .testTarget(name: "DverChunkingTests", dependencies: ["DverChunking", "DverCore", "DverTestSupport"],
                    resources: [.copy("Vectors")]),
        .testTarget(name: "DverStoreTests", dependencies: ["DverStore", "DverCore", "DverSystem"]),
        .testTarget(name: "DverRepositoryTests",
                    dependencies: ["DverRepository", "DverChunking", "DverStore", "DverCore", "DverSystem", "DverTestSupport"]),
        .testTarget(name: "DverGitTests",
                    dependencies: ["DverGit", "DverRepository", "DverStore", "DverCore", "DverSystem", "DverTestSupport"]),
        .testTarget(name: "DverPipelineTests",
                    dependencies: ["DverPipeline", "DverRepository", "DverStore", "DverCore", "DverSystem"]),
        .testTarget(name: "DverAccessTests",
                    dependencies: ["DverAccess", "DverRepository", "DverStore", "DverCore", "DverSystem", "DverTestSupport"]),
        .testTarget(name: "DverServeTests",
                    dependencies: ["DverServe", "DverAccess", "DverRepository", "DverStore", "DverCore", "DverSystem", "DverTestSupport"]),
        .testTarget(name: "DverMountTests",
                    dependencies: ["DverMount", "DverAccess", "DverRemote", "DverRepository", "DverStore", "DverCore", "DverSystem"]),
        .testTarget(name: "DverClusterTests", dependencies: ["DverCluster", "DverPipeline"]),
        .testTarget(name: "DverCLITests", dependencies: ["DverCLI", .product(name: "ArgumentParser", package: "swift-argument-parser"), "DverCore", "DverStore", "DverRemote", "DverTestSupport", "DverServerSupport"]),
        .testTarget(name: "DverRemoteTests",
                    dependencies: ["DverRemote", "DverRepository", "DverStore", "DverCore", "DverSystem", "DverTestSupport", "DverServerSupport"]),
    ]
)
