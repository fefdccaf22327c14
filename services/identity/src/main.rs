#[tokio::main]
async fn main() -> anyhow::Result<()> {
    strongroom_runtime::binary_main(|shutdown| async move {
        strongroom_identity::run(strongroom_identity::Config::from_env()?, shutdown).await
    })
    .await
}
