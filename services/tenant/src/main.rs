#[tokio::main]
async fn main() -> anyhow::Result<()> {
    strongroom_runtime::binary_main(|shutdown| async move {
        strongroom_tenant::run(strongroom_tenant::Config::from_env()?, shutdown).await
    })
    .await
}
