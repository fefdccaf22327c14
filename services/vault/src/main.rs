#[tokio::main]
async fn main() -> anyhow::Result<()> {
    strongroom_runtime::binary_main(|shutdown| async move {
        strongroom_vault::run(strongroom_vault::Config::from_env()?, shutdown).await
    })
    .await
}
