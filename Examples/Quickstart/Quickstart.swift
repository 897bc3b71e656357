import Ginkgo

/// `quickstart`: the manual's quickstart services behind the Ginkgo runner.
///
/// ```
/// swift run quickstart HelloWorld
/// swift run quickstart HelloWorldServer     # then: nc localhost 7000
/// swift run quickstart HelloWorldAll        # server, client and web server (curl localhost:8000)
/// swift run quickstart Examples/Quickstart/service.conf.yaml
/// swift run quickstart ctl Examples/Quickstart/service.conf.yaml start
/// ```
@main
struct Quickstart {
    static func main() {
        Runner(
            services: [
                HelloWorld.self, HelloWorldServer.self, HelloWorldClient.self, HelloWorldWebServer.self,
                AppServer.self, HelloWorldAll.self,
            ],
            version: "0.1.0"
        ).main()
    }
}
