#[tokio::main]
async fn main() -> anyhow::Result<()> {
    strongroom_runtime::binary_main(|shutdown| async move {
        strongroom_gateway::run(strongroom_gateway::Config::from_env()?, shutdown).await
    })
    .await
}
