#[tokio::main]
async fn main() -> anyhow::Result<()> {
    strongroom_runtime::binary_main(|shutdown| async move {
        strongroom_rotation::run(strongroom_rotation::Config::from_env()?, shutdown).await
    })
    .await
}
